// Process-wide counters, exported in the Prometheus text format at /metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace portcullis::proxy::ops {

struct Metrics {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> responses_2xx{0};
  std::atomic<uint64_t> responses_3xx{0};
  std::atomic<uint64_t> responses_4xx{0};
  std::atomic<uint64_t> responses_5xx{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> denied{0};
  std::atomic<uint64_t> upstream_errors{0};

  void count(unsigned status, uint64_t sent, uint64_t received, bool upstream_error, bool was_denied);
  std::string prometheus_text(size_t active_sessions) const;
};

}  // namespace portcullis::proxy::ops
