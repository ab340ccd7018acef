#pragma once
// Table on LMDB. Four sub-databases per table named from TableOptions::name:
//   <name>        key -> value
//   <name>.atime  key -> last access (u64 LE unix seconds)
//   <name>.lru    (access time u64 BE ++ key) -> "" ; ordered oldest first, for eviction
//   meta          <name>.bytes / <name>.count -> u64 LE running totals
// Reads are read-only transactions; access-time updates are queued in memory and written in one
// transaction with the next put (or every max_pending_touches), so hot reads never take the
// single LMDB writer lock.

#include "proxy/store/database.h"
#include "proxy/store/lmdb_util.h"
#include "proxy/store/table.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace portcullis::proxy::store {

class LmdbTable final : public Table {
 public:
  // Opens the sub-databases; throws std::runtime_error at start-up if LMDB refuses.
  LmdbTable(std::shared_ptr<Database> db, TableOptions options);
  ~LmdbTable() override;

  Result<std::string> get(std::string_view key) override;
  Result<void> put(std::string_view key, std::string_view value) override;
  Result<void> erase(std::string_view key) override;
  Result<std::vector<TableRow>> scan(std::string_view start_after, std::size_t limit,
                                     std::size_t value_prefix) override;
  Result<StoreStats> stats() override;
  Result<void> flush() override;
  std::int64_t now() const override;

 private:
  using Touches = std::unordered_map<std::string, std::int64_t>;
  // Evicts a quarter of the table in its own transaction (MDB_MAP_FULL relief).
  int evict_fraction();

  int apply_touches(MDB_txn* txn, const Touches& touches) const;
  // Removes one entry's rows and its cost from `t`; the lru row too unless the caller's cursor
  // deletes it.
  int remove_entry(MDB_txn* txn, std::string_view key, lmdb::Totals& t, bool lru_row) const;
  int evict_until(MDB_txn* txn, std::uint64_t target, std::string_view keep, lmdb::Totals& t,
                  std::uint64_t& evicted) const;
  void queue_touch(std::string_view key, std::int64_t at);
  Touches take_touches();

  std::shared_ptr<Database> db_;
  TableOptions opt_;
  MDB_dbi data_, atime_, lru_;
  std::unique_ptr<lmdb::TotalsRows> totals_rows_;

  std::mutex touch_mutex_;
  Touches pending_;

  std::atomic<std::uint64_t> hits_{0}, misses_{0}, puts_{0}, evictions_{0};
};

}  // namespace portcullis::proxy::store
