#include "proxy/upstream/connection_pool.h"

namespace portcullis::proxy::upstream {

ConnectionPool::ConnectionPool(asio::any_io_executor executor, std::chrono::milliseconds connect_timeout,
                               size_t max_idle_per_origin, std::chrono::seconds max_idle_age)
    : executor_(std::move(executor)),
      connect_timeout_(connect_timeout),
      max_idle_(max_idle_per_origin),
      max_age_(max_idle_age) {}

awaitable<boost::system::result<ConnectionPtr>> ConnectionPool::acquire(const Origin& origin) {
  const auto key = origin.key();
  {
    std::lock_guard lock(mutex_);
    auto& list = idle_[key];
    const auto now = std::chrono::steady_clock::now();
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      if (now - conn->idle_since < max_age_ && conn->stream.lowest().socket().is_open()) {
        conn->reused = true;
        co_return conn;
      }
    }
  }
  co_return co_await connect(origin);
}

awaitable<boost::system::result<ConnectionPtr>> ConnectionPool::connect(const Origin& origin) {
  tcp::resolver resolver(executor_);
  auto [rec, endpoints] = co_await resolver.async_resolve(origin.host, origin.port, nothrow_awaitable);
  if (rec) co_return rec;
  beast::tcp_stream tcp_stream(executor_);
  tcp_stream.expires_after(connect_timeout_);
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, nothrow_awaitable);
  if (cec) co_return cec;
  tcp_stream.socket().set_option(tcp::no_delay(true));
  if (!origin.tls) co_return std::make_unique<Connection>(FlexStream(std::move(tcp_stream)), origin.key());

  FlexStream::tls_stream tls(std::move(tcp_stream), *origin.ssl_ctx);
  if (!SSL_set_tlsext_host_name(tls.native_handle(), origin.host.c_str()))
    co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  tls.set_verify_callback(ssl::host_name_verification(origin.host));
  beast::get_lowest_layer(tls).expires_after(connect_timeout_);
  auto [hec] = co_await tls.async_handshake(ssl::stream_base::client, nothrow_awaitable);
  if (hec) co_return hec;
  co_return std::make_unique<Connection>(FlexStream(std::move(tls)), origin.key());
}

void ConnectionPool::release(ConnectionPtr conn) {
  if (!conn || !conn->stream.lowest().socket().is_open()) return;
  conn->stream.lowest().expires_never();
  conn->idle_since = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto& list = idle_[conn->origin_key];
  if (list.size() < max_idle_) list.push_back(std::move(conn));
}

size_t ConnectionPool::idle_count() {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (auto& [k, v] : idle_) n += v.size();
  return n;
}

}  // namespace portcullis::proxy::upstream
