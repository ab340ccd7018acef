// A deliberately low-level HTTP client for tests that need control over the
// bytes on the wire: fragmented writes, chunked bodies, slow reads.
#pragma once

#include <boost/asio.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace portcullis::testing {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
    // A small receive buffer makes back-pressure visible quickly.
    socket_.set_option(boost::asio::socket_base::receive_buffer_size(64 * 1024));
  }

  void send(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  // For requests the server may reject before reading them all.
  boost::system::error_code try_send(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    return ec;
  }

  // Each byte in its own write (and TCP segment): the server must reassemble.
  void send_fragmented(std::string_view bytes) {
    for (char c : bytes) {
      boost::asio::write(socket_, boost::asio::buffer(&c, 1));
      std::this_thread::yield();
    }
  }

  // Reads until "\r\n\r\n"; returns the header block. Leftover body bytes stay buffered.
  std::string read_header() {
    boost::asio::read_until(socket_, buffer_, "\r\n\r\n");
    std::string data(boost::asio::buffers_begin(buffer_.data()), boost::asio::buffers_end(buffer_.data()));
    const auto end = data.find("\r\n\r\n") + 4;
    buffer_.consume(end);
    return data.substr(0, end);
  }

  // Reads up to `n` body bytes; stops early on EOF or error and reports it.
  size_t read_body(size_t n, boost::system::error_code& ec, std::string* out = nullptr) {
    size_t got = 0;
    const size_t buffered = std::min(n, buffer_.size());
    if (out) out->append(static_cast<const char*>(buffer_.data().data()), buffered);
    buffer_.consume(buffered);
    got += buffered;
    char chunk[65536];
    while (got < n) {
      const size_t want = std::min(sizeof chunk, n - got);
      const size_t r = socket_.read_some(boost::asio::buffer(chunk, want), ec);
      if (ec) break;
      if (out) out->append(chunk, r);
      got += r;
    }
    return got;
  }

  std::string read_to_eof() {
    boost::system::error_code ec;
    std::string out(boost::asio::buffers_begin(buffer_.data()), boost::asio::buffers_end(buffer_.data()));
    buffer_.consume(buffer_.size());
    char chunk[65536];
    for (;;) {
      const size_t r = socket_.read_some(boost::asio::buffer(chunk), ec);
      if (ec) break;
      out.append(chunk, r);
    }
    return out;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::streambuf buffer_;
};

}  // namespace portcullis::testing
