#pragma once

#include "proxy/store/result.h"

#include <cstdint>

namespace portcullis::proxy::store {

struct StoreStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;  // sum of key + stored record sizes, the figure the cap applies to
  std::uint64_t cap_bytes = 0;
  // Counted since this process opened the store.
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t puts = 0;
  std::uint64_t evictions = 0;
};

class StatsProvider {
 public:
  virtual ~StatsProvider() = default;
  virtual Result<StoreStats> stats() = 0;
};

}  // namespace portcullis::proxy::store
