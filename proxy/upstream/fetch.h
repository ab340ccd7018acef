// One buffered request/response exchange with an upstream origin, for small
// bodies only (token endpoints, probes, manifests). Blobs are relayed instead.
#pragma once

#include <boost/system/result.hpp>

#include "proxy/upstream/connection_pool.h"

namespace portcullis::proxy::upstream {

struct FetchLimits {
  uint64_t max_body = 4u << 20;
  uint32_t max_header = 16 * 1024;
  std::chrono::milliseconds timeout{30'000};
};

// Sends `req` (Host is set from the origin) and reads the whole response.
// Retries once on a fresh connection if a reused one turns out to be closed.
awaitable<boost::system::result<http::response<http::string_body>>> fetch(
    ConnectionPool& pool, const Origin& origin, http::request<http::string_body> req, const FetchLimits& limits);

// True for errors that mean "the reused keep-alive connection was already closed".
bool is_stale_connection_error(const error_code& ec);

}  // namespace portcullis::proxy::upstream
