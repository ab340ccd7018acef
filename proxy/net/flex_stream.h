// A byte stream that is plain TCP or TLS over TCP, chosen at run time, so the
// session and relay code is written once for both (cf. Beast's flex examples).
#pragma once

#include <memory>
#include <variant>

#include "proxy/net/asio.h"

namespace portcullis::proxy {

class FlexStream {
 public:
  using executor_type = asio::any_io_executor;
  using plain_stream = beast::tcp_stream;
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;

  explicit FlexStream(plain_stream s) : stream_(std::move(s)) {}
  explicit FlexStream(tls_stream s) : stream_(std::move(s)) {}

  executor_type get_executor() { return lowest().get_executor(); }
  plain_stream& lowest() {
    return std::visit([](auto& s) -> plain_stream& { return beast::get_lowest_layer(s); }, stream_);
  }
  bool is_tls() const { return std::holds_alternative<tls_stream>(stream_); }
  tls_stream* tls() { return std::get_if<tls_stream>(&stream_); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    if (auto* p = std::get_if<plain_stream>(&stream_)) return p->async_read_some(buffers, std::forward<Token>(token));
    return std::get<tls_stream>(stream_).async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    if (auto* p = std::get_if<plain_stream>(&stream_)) return p->async_write_some(buffers, std::forward<Token>(token));
    return std::get<tls_stream>(stream_).async_write_some(buffers, std::forward<Token>(token));
  }

  // Graceful close: TLS close_notify (bounded by the timer), then TCP shutdown.
  awaitable<void> close(std::chrono::milliseconds timeout) {
    if (auto* t = tls()) {
      lowest().expires_after(timeout);
      co_await t->async_shutdown(nothrow_awaitable);
    }
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  // Abortive close: the peer sees a broken transfer, never a clean end.
  void abort() {
    error_code ec;
    lowest().socket().set_option(asio::socket_base::linger(true, 0), ec);
    lowest().close();
  }

 private:
  std::variant<plain_stream, tls_stream> stream_;
};

}  // namespace portcullis::proxy
