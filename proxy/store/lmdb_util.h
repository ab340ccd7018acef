#pragma once
// Small LMDB helpers shared by the LMDB-backed stores: u64 rows, per-store running totals kept
// in the shared "meta" sub-database, error mapping, and the evict-and-retry loop for a full map.

#include "proxy/store/database.h"
#include "proxy/store/result.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::proxy::store::lmdb {

inline constexpr int kMapFullRetries = 8;

// A missing row reads as 0.
int get_u64(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::uint64_t& out);
int put_u64(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::uint64_t value);
int put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value);
// Deleting a missing row succeeds.
int del(MDB_txn* txn, MDB_dbi dbi, std::string_view key);

StoreError error(std::string_view store, int rc, std::string_view what);

// Entry count and byte total of one store, as rows "<store>.count" and "<store>.bytes" of meta.
struct Totals {
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;
  void add(std::uint64_t cost) {
    bytes += cost;
    count += 1;
  }
  void remove(std::uint64_t cost) {
    bytes -= std::min(bytes, cost);
    count -= std::min<std::uint64_t>(count, 1);
  }
};
class TotalsRows {
 public:
  TotalsRows(MDB_dbi meta, const std::string& store)
      : meta_(meta), bytes_key_(store + ".bytes"), count_key_(store + ".count") {}
  int read(MDB_txn* txn, Totals& t) const;
  int write(MDB_txn* txn, const Totals& t) const;

 private:
  MDB_dbi meta_;
  std::string bytes_key_, count_key_;
};

// Runs `attempt` (a whole write transaction returning an MDB code); while LMDB reports
// MDB_MAP_FULL, runs `evict` (which frees room in its own transaction) and tries again.
template <class Attempt, class Evict>
int retry_map_full(Attempt&& attempt, Evict&& evict) {
  int rc = attempt();
  for (int i = 0; rc == MDB_MAP_FULL && i < kMapFullRetries; ++i) {
    if (evict() != 0) break;
    rc = attempt();
  }
  return rc;
}

}  // namespace portcullis::proxy::store::lmdb
