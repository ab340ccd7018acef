// One JSON line per request: method, path, upstream, status, bytes, duration, client.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace portcullis::proxy::ops {

struct AccessLogEntry {
  std::string client;
  std::string method;
  std::string path;
  std::string upstream;
  unsigned status = 0;
  uint64_t bytes_sent = 0;      // response body bytes to the client
  uint64_t bytes_received = 0;  // request body bytes from the client
  std::string decision;         // policy outcome when one was made
  std::string error;            // internal detail kept out of responses
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

class AccessLog {
 public:
  // "-" = stdout, "" = disabled, otherwise a file opened for append.
  explicit AccessLog(const std::string& destination);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessLogEntry& entry);

 private:
  std::FILE* out_ = nullptr;
  bool owned_ = false;
  std::mutex mutex_;
};

}  // namespace portcullis::proxy::ops
