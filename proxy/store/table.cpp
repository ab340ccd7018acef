#include "proxy/store/table.h"

#include <chrono>

namespace portcullis::proxy::store {

std::int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<void> check_table_key(const TableOptions& options, std::string_view key) {
  if (key.empty() || key.size() > kMaxTableKey) {
    return StoreError{StoreErrc::invalid_argument,
                      options.name + ": key must be 1.." + std::to_string(kMaxTableKey) + " bytes"};
  }
  return {};
}

Result<void> check_table_entry(const TableOptions& options, std::string_view key,
                               std::uint64_t value_size) {
  if (auto ok = check_table_key(options, key); !ok) return ok;
  const std::uint64_t cost = key.size() + value_size;
  if (cost > options.cap_bytes) {
    return StoreError{StoreErrc::too_large, options.name + ": entry of " + std::to_string(cost) +
                                                " bytes exceeds the cap of " +
                                                std::to_string(options.cap_bytes) + " bytes"};
  }
  return {};
}

}  // namespace portcullis::proxy::store
