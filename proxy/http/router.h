// Dispatches each request by path: /v2/ to the registry proxy, /admission/ to
// the webhook, /healthz, /readyz and /metrics to the operations endpoints.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "proxy/http/exchange.h"
#include "proxy/ops/metrics.h"

namespace portcullis::proxy {

class Router : public Handler {
 public:
  explicit Router(ops::Metrics& metrics) : metrics_(metrics) {}

  // Longest matching prefix wins; `tls_only` routes answer 404 on plain listeners.
  void add(std::string prefix, Handler& handler, bool tls_only = false);

  awaitable<void> handle(Exchange& ex) override;

 private:
  struct Entry {
    std::string prefix;
    Handler* handler;
    bool tls_only;
  };
  std::vector<Entry> routes_;
  ops::Metrics& metrics_;
};

}  // namespace portcullis::proxy
