#include "proxy/upstream/fetch.h"

namespace portcullis::proxy::upstream {

bool is_stale_connection_error(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

awaitable<boost::system::result<http::response<http::string_body>>> fetch(
    ConnectionPool& pool, const Origin& origin, http::request<http::string_body> req, const FetchLimits& limits) {
  req.set(http::field::host, origin.host_header());
  req.keep_alive(true);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    // (No co_await inside ?: — GCC 12 miscompiles it.)
    boost::system::result<ConnectionPtr> acquired = make_error_code(boost::system::errc::not_connected);
    if (attempt == 0) acquired = co_await pool.acquire(origin);
    else acquired = co_await pool.connect(origin);
    if (!acquired) co_return acquired.error();
    auto conn = std::move(*acquired);
    conn->stream.lowest().expires_after(limits.timeout);
    auto [wec, wn] = co_await http::async_write(conn->stream, req, nothrow_awaitable);
    http::response_parser<http::string_body> parser;
    parser.header_limit(limits.max_header);
    parser.body_limit(limits.max_body);
    if (req.method() == http::verb::head) parser.skip(true);
    error_code ec = wec;
    if (!ec) {
      auto [rec, rn] = co_await http::async_read(conn->stream, conn->buffer, parser, nothrow_awaitable);
      ec = rec;
    }
    if (ec) {
      if (conn->reused && attempt == 0 && is_stale_connection_error(ec)) continue;
      co_return ec;
    }
    auto res = parser.release();
    if (res.keep_alive()) pool.release(std::move(conn));
    co_return res;
  }
  co_return make_error_code(boost::system::errc::connection_aborted);
}

}  // namespace portcullis::proxy::upstream
