// Streams an HTTP message body from one stream to another through one fixed
// buffer, so memory stays flat whatever the size and a slow reader slows the
// writer (back-pressure). Bytes are relayed exactly as received.
#pragma once

#include <span>

#include "proxy/net/flex_stream.h"

namespace portcullis::proxy {

struct RelayTimeouts {
  std::chrono::milliseconds idle_read{60'000};
  std::chrono::milliseconds write{60'000};
};

struct RelayResult {
  error_code read_error;   // the source failed or ended early: the message is incomplete
  error_code write_error;  // the destination failed
  uint64_t bytes = 0;      // body bytes written to the destination
  bool ok() const { return !read_error && !write_error; }
};

// Writes the header of the message `parser` has read, then relays its body.
// Content-Length bodies are copied raw; chunked or close-delimited bodies go
// through the parser and are re-framed by the serializer.
template <bool isRequest>
awaitable<RelayResult> relay_message(FlexStream& src, beast::flat_buffer& src_buffer,
                                     http::parser<isRequest, http::empty_body>& header_parser, FlexStream& dst,
                                     std::span<char> buffer, const RelayTimeouts& timeouts,
                                     uint64_t max_body);

}  // namespace portcullis::proxy
