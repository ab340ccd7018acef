// Keep-alive connections to upstream origins, reused across sessions.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "proxy/net/flex_stream.h"
#include "proxy/upstream/origin.h"

namespace portcullis::proxy::upstream {

struct Connection {
  explicit Connection(FlexStream s, std::string key) : stream(std::move(s)), origin_key(std::move(key)) {}
  FlexStream stream;
  beast::flat_buffer buffer;
  std::string origin_key;
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;  // a reused connection may have been closed by the peer meanwhile
};

using ConnectionPtr = std::unique_ptr<Connection>;

class ConnectionPool {
 public:
  ConnectionPool(asio::any_io_executor executor, std::chrono::milliseconds connect_timeout,
                 size_t max_idle_per_origin = 64, std::chrono::seconds max_idle_age = std::chrono::seconds(50));

  // An idle connection when one is fresh enough, otherwise a new one.
  awaitable<boost::system::result<ConnectionPtr>> acquire(const Origin& origin);
  // Always a new connection (used to retry after a stale reused one failed).
  awaitable<boost::system::result<ConnectionPtr>> connect(const Origin& origin);
  // Return a connection whose last response was read completely with keep-alive.
  void release(ConnectionPtr conn);

  size_t idle_count();

 private:
  asio::any_io_executor executor_;
  std::chrono::milliseconds connect_timeout_;
  size_t max_idle_;
  std::chrono::seconds max_age_;
  std::mutex mutex_;
  std::map<std::string, std::vector<ConnectionPtr>> idle_;
};

}  // namespace portcullis::proxy::upstream
