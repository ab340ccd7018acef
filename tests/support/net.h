// Loopback networking helpers for tests: free ports, readiness probes, a tiny HTTP client.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"

namespace portcullis::testsupport {

// A port that was free on 127.0.0.1 a moment ago (bind to 0, read it, close).
// Peers that bind it later can still lose a race; the peer starters retry on a new port.
uint16_t free_port();

// True once a TCP connect to host:port succeeds within `timeout`.
bool wait_for_tcp(uint16_t port, Duration timeout, const std::string& host = "127.0.0.1");

struct HttpResponse {
  int status = -1;  // -1: no response (connect/read error or timeout); see `error`
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;

  // First header with this name (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers{};  // sent as given, repeats allowed
  std::string body{};
  Duration timeout = std::chrono::seconds(10);
};

// One request on a fresh connection (Connection: close). Never throws.
HttpResponse http_request(const HttpRequest& req);

// Status of GET http://host:port/path, or -1.
int http_get_status(const std::string& host, uint16_t port, const std::string& path,
                    Duration timeout = std::chrono::seconds(5));

}  // namespace portcullis::testsupport
