#include "proxy/http/relay.h"

#include "proxy/http/splice_relay.h"

namespace portcullis::proxy {
namespace {

awaitable<RelayResult> relay_fixed_length(FlexStream& src, beast::flat_buffer& src_buffer, uint64_t length,
                                          FlexStream& dst, std::span<char> buffer, const RelayTimeouts& t) {
  RelayResult result;
  uint64_t remaining = length;
  // Body bytes that arrived together with the header.
  if (const auto take = std::min<uint64_t>(remaining, src_buffer.size()); take > 0) {
    dst.lowest().expires_after(t.write);
    auto [wec, wn] = co_await asio::async_write(dst, asio::buffer(src_buffer.data().data(), take), nothrow_awaitable);
    src_buffer.consume(take);
    if (wec) {
      result.write_error = wec;
      co_return result;
    }
    remaining -= take;
    result.bytes += take;
  }
  while (remaining > 0) {
    src.lowest().expires_after(t.idle_read);
    const auto want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), remaining));
    auto [rec, n] = co_await src.async_read_some(asio::buffer(buffer.data(), want), nothrow_awaitable);
    if (rec) {
      result.read_error = rec;
      co_return result;
    }
    dst.lowest().expires_after(t.write);
    auto [wec, wn] = co_await asio::async_write(dst, asio::buffer(buffer.data(), n), nothrow_awaitable);
    if (wec) {
      result.write_error = wec;
      co_return result;
    }
    remaining -= n;
    result.bytes += n;
  }
  co_return result;
}

template <bool isRequest>
awaitable<RelayResult> relay_parsed(FlexStream& src, beast::flat_buffer& src_buffer,
                                    http::parser<isRequest, http::buffer_body>& p, FlexStream& dst,
                                    std::span<char> buffer, const RelayTimeouts& t) {
  RelayResult result;
  http::serializer<isRequest, http::buffer_body> sr{p.get()};
  p.get().body().data = nullptr;
  p.get().body().more = true;
  dst.lowest().expires_after(t.write);
  auto [hec, hn] = co_await http::async_write_header(dst, sr, nothrow_awaitable);
  if (hec) {
    result.write_error = hec;
    co_return result;
  }
  do {
    if (!p.is_done()) {
      p.get().body().data = buffer.data();
      p.get().body().size = buffer.size();
      src.lowest().expires_after(t.idle_read);
      auto [rec, rn] = co_await http::async_read(src, src_buffer, p, nothrow_awaitable);
      if (rec == http::error::need_buffer) rec = {};
      if (rec) {
        result.read_error = rec;
        co_return result;
      }
      p.get().body().size = buffer.size() - p.get().body().size;
      p.get().body().data = buffer.data();
      p.get().body().more = !p.is_done();
      result.bytes += p.get().body().size;
    } else {
      p.get().body().data = nullptr;
      p.get().body().size = 0;
    }
    dst.lowest().expires_after(t.write);
    auto [wec, wn] = co_await http::async_write(dst, sr, nothrow_awaitable);
    if (wec == http::error::need_buffer) wec = {};
    if (wec) {
      result.write_error = wec;
      co_return result;
    }
  } while (!p.is_done() && !sr.is_done());
  co_return result;
}

}  // namespace

template <bool isRequest>
awaitable<RelayResult> relay_message(FlexStream& src, beast::flat_buffer& src_buffer,
                                     http::parser<isRequest, http::empty_body>& header_parser, FlexStream& dst,
                                     std::span<char> buffer, const RelayTimeouts& timeouts,
                                     uint64_t max_body) {
  auto& msg = header_parser.get();
  const auto length = header_parser.content_length();
  if (header_parser.is_done() || (length && *length == 0)) {
    // No body (HEAD response, 204/304, or an empty message): header only.
    RelayResult result;
    http::serializer<isRequest, http::empty_body> sr{msg};
    dst.lowest().expires_after(timeouts.write);
    auto [ec, n] = co_await http::async_write_header(dst, sr, nothrow_awaitable);
    result.write_error = ec;
    co_return result;
  }
  if (length && !header_parser.chunked()) {
    http::serializer<isRequest, http::empty_body> sr{msg};
    dst.lowest().expires_after(timeouts.write);
    auto [ec, n] = co_await http::async_write_header(dst, sr, nothrow_awaitable);
    if (ec) co_return RelayResult{{}, ec, 0};
    if (!src.is_tls() && !dst.is_tls() && splice_supported()) {
      // Body bytes that arrived with the header go first, the rest never leaves the kernel.
      RelayResult head;
      const auto already = std::min<uint64_t>(*length, src_buffer.size());
      if (already > 0) head = co_await relay_fixed_length(src, src_buffer, already, dst, buffer, timeouts);
      if (!head.ok()) co_return head;
      auto rest = co_await splice_fixed_length(src.lowest().socket(), dst.lowest().socket(), *length - already, timeouts);
      rest.bytes += head.bytes;
      co_return rest;
    }
    co_return co_await relay_fixed_length(src, src_buffer, *length, dst, buffer, timeouts);
  }
  http::parser<isRequest, http::buffer_body> body_parser{std::move(header_parser)};
  body_parser.body_limit(max_body);
  co_return co_await relay_parsed(src, src_buffer, body_parser, dst, buffer, timeouts);
}

template awaitable<RelayResult> relay_message<true>(FlexStream&, beast::flat_buffer&,
                                                    http::parser<true, http::empty_body>&, FlexStream&,
                                                    std::span<char>, const RelayTimeouts&, uint64_t);
template awaitable<RelayResult> relay_message<false>(FlexStream&, beast::flat_buffer&,
                                                     http::parser<false, http::empty_body>&, FlexStream&,
                                                     std::span<char>, const RelayTimeouts&, uint64_t);

}  // namespace portcullis::proxy
