#include "proxy/http/session.h"

#include <array>

#include "proxy/http/buffer_pool.h"

namespace portcullis::proxy {

std::shared_ptr<SessionTracker::Entry> SessionTracker::add(beast::tcp_stream& stream) {
  auto e = std::make_shared<Entry>(Entry{&stream, stream.get_executor(), true});
  std::lock_guard lock(mutex_);
  entries_.insert(e);
  return e;
}

void SessionTracker::remove(const std::shared_ptr<Entry>& e) {
  std::lock_guard lock(mutex_);
  e->stream = nullptr;
  entries_.erase(e);
}

void SessionTracker::set_idle(const std::shared_ptr<Entry>& e, bool idle) {
  std::lock_guard lock(mutex_);
  e->idle = idle;
}

void SessionTracker::begin_drain() {
  draining_ = true;
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    // Runs on the session's strand, so it cannot race with the session closing itself.
    asio::post(e->executor, [this, e] {
      std::lock_guard inner(mutex_);
      if (e->stream && e->idle) e->stream->cancel();
    });
  }
}

size_t SessionTracker::active() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

namespace {

std::string endpoint_text(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// A response to a request we could not even parse; the connection closes after it.
awaitable<void> reject_unparsed(FlexStream& stream, http::status status, std::string_view message,
                                std::chrono::milliseconds timeout) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = oci::error_body(oci::ErrorCode::Unsupported, message);
  res.keep_alive(false);
  res.prepare_payload();
  stream.lowest().expires_after(timeout);
  auto [wec, wn] = co_await http::async_write(stream, res, nothrow_awaitable);
  if (wec || stream.is_tls()) co_return;
  // Lingering close: stop sending, then read and drop what the client is still
  // sending (bounded), so our response is not lost to a reset.
  error_code ignored;
  stream.lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
  std::array<char, 16 * 1024> sink;
  size_t drained = 0;
  stream.lowest().expires_after(std::chrono::seconds(2));
  while (drained < (1u << 20)) {
    auto [rec, rn] = co_await stream.async_read_some(asio::buffer(sink), nothrow_awaitable);
    if (rec) break;
    drained += rn;
  }
}

BufferPool& relay_buffers(size_t size) {
  static BufferPool pool(size);
  return pool;
}

}  // namespace

awaitable<void> run_session(tcp::socket socket, SessionSettings s, Handler& router, ops::AccessLog& log,
                            SessionTracker& tracker) {
  const auto client = endpoint_text(socket);
  beast::tcp_stream tcp_stream(std::move(socket));
  error_code ignored;
  tcp_stream.socket().set_option(tcp::no_delay(true), ignored);

  std::optional<FlexStream> stream;
  if (s.tls) {
    FlexStream::tls_stream tls(std::move(tcp_stream), *s.tls);
    beast::get_lowest_layer(tls).expires_after(s.timeouts.header);
    auto [ec] = co_await tls.async_handshake(ssl::stream_base::server, nothrow_awaitable);
    if (ec) co_return;
    stream.emplace(std::move(tls));
  } else {
    stream.emplace(std::move(tcp_stream));
  }
  auto tracked = tracker.add(stream->lowest());
  beast::flat_buffer buffer;
  for (;;) {
    if (tracker.draining()) break;
    http::request_parser<http::empty_body> parser;  // fresh per message
    parser.header_limit(s.limits.max_header_bytes);
    parser.body_limit(s.limits.max_upload_bytes);
    tracker.set_idle(tracked, true);
    stream->lowest().expires_after(s.timeouts.header);
    auto [ec, n] = co_await http::async_read_header(*stream, buffer, parser, nothrow_awaitable);
    tracker.set_idle(tracked, false);
    if (ec == http::error::header_limit) {
      co_await reject_unparsed(*stream, http::status::request_header_fields_too_large,
                               "request header exceeds the size limit", s.timeouts.header);
      break;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset)
      break;
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category())  // an HTTP parse error
        co_await reject_unparsed(*stream, http::status::bad_request, "malformed HTTP request", s.timeouts.header);
      break;
    }
    ops::AccessLogEntry entry;
    entry.client = client;
    entry.method = std::string(parser.get().method_string());
    const auto target = parser.get().target();
    entry.path = std::string(target.substr(0, target.find('?')));
    auto lease = relay_buffers(s.limits.relay_buffer_bytes).take();
    Exchange ex{*stream, buffer, parser, *s.listener, entry, lease.span(), s.timeouts.idle_body};
    co_await router.handle(ex);
    log.write(entry);
    if (!ex.keep_alive) break;
  }
  tracker.remove(tracked);
  co_await stream->close(std::chrono::milliseconds(2000));
}

}  // namespace portcullis::proxy
