#pragma once
// A bounded key -> bytes table with least-recently-accessed eviction. It is the storage engine
// under FactsStore and ManifestStore; LmdbTable and MemoryTable implement it with the same
// observable behaviour, so each store is written once and tested against both.

#include "proxy/store/result.h"
#include "proxy/store/stats.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portcullis::proxy::store {

// Unix seconds. Injected so that tests control access times.
using Clock = std::function<std::int64_t()>;
std::int64_t system_clock_seconds();

// LMDB's default maximum key (511) minus the 8-byte access-time prefix of the eviction index;
// both tables accept exactly the same keys.
inline constexpr std::size_t kMaxTableKey = 503;

struct TableOptions {
  std::string name;                                  // sub-database name prefix (LMDB)
  std::uint64_t cap_bytes = std::uint64_t{1} << 30;  // sum of key + value sizes
  // Access times are only rewritten when older than this, so hot reads stay read-only.
  std::int64_t touch_granularity_seconds = 60;
  std::size_t max_pending_touches = 256;  // LMDB: batch this many touches per write
  Clock clock;                            // empty: system clock
};

struct TableRow {
  std::string key;
  std::string value;  // possibly only a prefix, see Table::scan
};

struct TableOptions;
// invalid_argument for an empty or over-long key.
Result<void> check_table_key(const TableOptions& options, std::string_view key);
// too_large when key + value can never fit under the cap.
Result<void> check_table_entry(const TableOptions& options, std::string_view key,
                               std::uint64_t value_size);

class Table {
 public:
  virtual ~Table() = default;

  // The value under `key` (StoreErrc::not_found on a miss). Counts as an access.
  virtual Result<std::string> get(std::string_view key) = 0;
  // Inserts or replaces, stamps the access time, then evicts least recently accessed entries
  // (never this one) until the table fits its cap. StoreErrc::too_large if it can never fit.
  virtual Result<void> put(std::string_view key, std::string_view value) = 0;
  // Removes `key`; erasing a missing key succeeds.
  virtual Result<void> erase(std::string_view key) = 0;
  // Up to `limit` rows in key order with keys > start_after (empty: from the first key), each
  // value cut to at most `value_prefix` bytes. Does not count as an access.
  virtual Result<std::vector<TableRow>> scan(std::string_view start_after, std::size_t limit,
                                             std::size_t value_prefix) = 0;
  virtual Result<StoreStats> stats() = 0;
  // Writes any batched access times (LMDB); called before eviction and on destruction.
  virtual Result<void> flush() = 0;
  // The table's clock (TableOptions::clock or the system clock), in unix seconds.
  virtual std::int64_t now() const = 0;
};

}  // namespace portcullis::proxy::store
