// One request/response on a client connection, handed to a Handler after the
// request header is read. The handler reads (or relays) the body itself.
#pragma once

#include <span>

#include "config/daemon_config.h"
#include "proxy/net/flex_stream.h"
#include "proxy/oci/errors.h"
#include "proxy/ops/access_log.h"

namespace portcullis::proxy {

struct Exchange {
  FlexStream& client;
  beast::flat_buffer& buffer;
  http::request_parser<http::empty_body>& parser;
  const config::Listener& listener;
  ops::AccessLogEntry& log;
  std::span<char> relay_buffer;  // leased for this exchange
  std::chrono::milliseconds write_timeout;
  bool keep_alive = true;      // the handler clears it when the connection must close
  bool body_consumed = false;  // set once the request body has been read or relayed

  http::request<http::empty_body>& request() { return parser.get(); }
  bool has_unread_body() const { return !body_consumed && !parser.is_done(); }
};

// Sends a complete response; closes after it if the request body was not read.
awaitable<void> send_response(Exchange& ex, http::response<http::string_body> res);

// An OCI JSON error body with the table's status (or `status_override`).
awaitable<void> send_error(Exchange& ex, oci::ErrorCode code, std::string_view message,
                           std::string_view detail = {}, unsigned status_override = 0);
awaitable<void> send_error_json(Exchange& ex, oci::ErrorCode code, std::string_view message,
                                const nlohmann::json& detail);

class Handler {
 public:
  virtual ~Handler() = default;
  virtual awaitable<void> handle(Exchange& ex) = 0;
};

}  // namespace portcullis::proxy
