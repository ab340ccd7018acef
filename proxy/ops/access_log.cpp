#include "proxy/ops/access_log.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace portcullis::proxy::ops {

AccessLog::AccessLog(const std::string& destination) {
  if (destination.empty()) return;
  if (destination == "-") {
    out_ = stdout;
    return;
  }
  out_ = std::fopen(destination.c_str(), "a");
  if (!out_) throw std::runtime_error(destination + ": cannot open the access log");
  owned_ = true;
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(out_);
}

void AccessLog::write(const AccessLogEntry& e) {
  if (!out_) return;
  const auto elapsed = std::chrono::steady_clock::now() - e.start;
  nlohmann::json line = {
      {"time", std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count()},
      {"client", e.client},
      {"method", e.method},
      {"path", e.path},
      {"upstream", e.upstream},
      {"status", e.status},
      {"bytes", e.bytes_sent},
      {"bytes_in", e.bytes_received},
      {"duration_ms", std::chrono::duration<double, std::milli>(elapsed).count()},
  };
  if (!e.decision.empty()) line["decision"] = e.decision;
  if (!e.error.empty()) line["error"] = e.error;
  const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace portcullis::proxy::ops
