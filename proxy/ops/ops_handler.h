// /healthz (the process is alive), /readyz (listening, policy loaded, not
// draining) and /metrics (Prometheus text).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "proxy/http/exchange.h"
#include "proxy/ops/metrics.h"

namespace portcullis::proxy::ops {

class OpsHandler : public Handler {
 public:
  OpsHandler(Metrics& metrics, std::function<bool()> ready, std::function<size_t()> active_sessions)
      : metrics_(metrics), ready_(std::move(ready)), active_(std::move(active_sessions)) {}

  awaitable<void> handle(Exchange& ex) override;

  // More Prometheus lines from other components (assessment, admission, ...).
  void add_metrics_source(std::function<std::string()> source) { sources_.push_back(std::move(source)); }

 private:
  std::vector<std::function<std::string()>> sources_;
  Metrics& metrics_;
  std::function<bool()> ready_;
  std::function<size_t()> active_;
};

}  // namespace portcullis::proxy::ops
