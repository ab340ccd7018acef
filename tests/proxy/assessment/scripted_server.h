// A tiny HTTP/1.1 server on 127.0.0.1 whose answers a test scripts: 401s,
// redirects, chunked and truncated bodies — what docker-registry cannot be
// made to do on demand. Blocking Beast on its own threads.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proxy/net/asio.h"

namespace portcullis::proxy::assessment::testing {

struct SeenRequest {
  std::string method;
  std::string target;
  std::string authorization;
};

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  bool chunked = false;
  size_t truncate_at = std::string::npos;  // send this many body bytes, then close
};

class ScriptedServer {
 public:
  using Handler = std::function<Reply(const SeenRequest&)>;

  explicit ScriptedServer(Handler handler) : handler_(std::move(handler)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedServer() {
    error_code ec;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept (Linux)
    accept_thread_.join();
    acceptor_.close(ec);
    std::lock_guard lock(mutex_);
    for (auto& s : sockets_) s->shutdown(tcp::socket::shutdown_both, ec);  // wakes blocked reads
    for (auto& t : threads_) t.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string port() const { return std::to_string(port_); }
  std::vector<SeenRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(ioc_);
      error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec) return;
      std::lock_guard lock(mutex_);
      sockets_.push_back(socket);
      threads_.emplace_back([this, socket] { serve(*socket); });
    }
  }

  void serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      error_code ec;
      http::read(socket, buffer, req, ec);
      if (ec) return;
      SeenRequest seen{std::string(req.method_string()), std::string(req.target()),
                       std::string(req[http::field::authorization])};
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(seen);
      }
      const Reply reply = handler_(seen);
      std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\n";
      for (const auto& [k, v] : reply.headers) head += k + ": " + v + "\r\n";
      std::string body = reply.body;
      if (reply.chunked) {
        head += "Transfer-Encoding: chunked\r\n\r\n";
        std::string framed;
        for (size_t at = 0; at < body.size(); at += 1000) {
          const auto piece = body.substr(at, 1000);
          char size[32];
          std::snprintf(size, sizeof(size), "%zx\r\n", piece.size());
          framed += size + piece + "\r\n";
        }
        body = framed + "0\r\n\r\n";
      } else {
        head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      }
      const bool truncate = reply.truncate_at != std::string::npos;
      if (truncate) body.resize(reply.truncate_at);
      asio::write(socket, asio::buffer(head + body), ec);
      if (ec || truncate) {
        socket.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
    }
  }

  Handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::thread accept_thread_;
  mutable std::mutex mutex_;
  std::vector<SeenRequest> requests_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
};

}  // namespace portcullis::proxy::assessment::testing
