// Client connections: accept, optional TLS handshake, then a loop of
// "read header with a fresh parser -> hand to the router" on the connection's strand.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>

#include "config/daemon_config.h"
#include "proxy/http/exchange.h"

namespace portcullis::proxy {

// Tracks live sessions so a drain can close the idle ones and wait for the rest.
class SessionTracker {
 public:
  struct Entry {
    beast::tcp_stream* stream;
    asio::any_io_executor executor;
    bool idle = true;
  };
  std::shared_ptr<Entry> add(beast::tcp_stream& stream);
  void remove(const std::shared_ptr<Entry>& e);
  void set_idle(const std::shared_ptr<Entry>& e, bool idle);
  void begin_drain();  // closes idle connections; busy ones close after their response
  bool draining() const { return draining_; }
  size_t active() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::shared_ptr<Entry>> entries_;
  std::atomic<bool> draining_{false};
};

struct SessionSettings {
  const config::Listener* listener;
  std::shared_ptr<ssl::context> tls;  // null for plain listeners
  config::Timeouts timeouts;
  config::Limits limits;
};

awaitable<void> run_session(tcp::socket socket, SessionSettings settings, Handler& router, ops::AccessLog& log,
                            SessionTracker& tracker);

}  // namespace portcullis::proxy
