// /healthz (the process is alive), /readyz (listening, policy loaded, not
// draining) and /metrics (Prometheus text).
#pragma once

#include <atomic>
#include <functional>

#include "proxy/http/exchange.h"
#include "proxy/ops/metrics.h"

namespace portcullis::proxy::ops {

class OpsHandler : public Handler {
 public:
  OpsHandler(Metrics& metrics, std::function<bool()> ready, std::function<size_t()> active_sessions)
      : metrics_(metrics), ready_(std::move(ready)), active_(std::move(active_sessions)) {}

  awaitable<void> handle(Exchange& ex) override;

 private:
  Metrics& metrics_;
  std::function<bool()> ready_;
  std::function<size_t()> active_;
};

}  // namespace portcullis::proxy::ops
