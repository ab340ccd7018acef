// Wires the daemon together: listeners, sessions, router, handlers, upstreams.
// Embeddable (tests start it on port 0 in-process) and used by `serve`.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "config/daemon_config.h"

namespace portcullis::proxy {

class Server {
 public:
  // Throws at start-up with a clear message (bad TLS files, htpasswd, upstream URL).
  explicit Server(config::DaemonConfig config);
  ~Server();

  // Binds every listener and starts `threads` I/O threads.
  void start(unsigned threads);
  // The bound port of each listener, in config order (useful with port 0).
  std::vector<uint16_t> ports() const;

  // Stops accepting, lets requests in flight finish (up to the drain timeout), then stops.
  void drain_and_stop();
  // Re-reads the Trust Manifests now (as SIGHUP does); false if they were invalid.
  bool reload_policy();
  // Blocks until SIGTERM/SIGINT (drains) and returns; SIGHUP reloads the policy.
  void run_until_signal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portcullis::proxy
