#pragma once
// Table in process memory, for unit tests of components that use a store. Same observable
// behaviour as LmdbTable (cap, eviction order, counters), but nothing survives the process.

#include "proxy/store/table.h"

#include <map>
#include <mutex>
#include <set>
#include <string>

namespace portcullis::proxy::store {

class MemoryTable final : public Table {
 public:
  explicit MemoryTable(TableOptions options);

  Result<std::string> get(std::string_view key) override;
  Result<void> put(std::string_view key, std::string_view value) override;
  Result<void> erase(std::string_view key) override;
  Result<std::vector<TableRow>> scan(std::string_view start_after, std::size_t limit,
                                     std::size_t value_prefix) override;
  Result<StoreStats> stats() override;
  Result<void> flush() override { return {}; }
  std::int64_t now() const override;

 private:
  struct Entry {
    std::string value;
    std::int64_t atime;
  };
  using Map = std::map<std::string, Entry, std::less<>>;

  void remove(Map::iterator it);

  TableOptions opt_;
  std::mutex mutex_;
  Map entries_;
  std::set<std::pair<std::int64_t, std::string>> lru_;  // oldest access first
  StoreStats stats_;
};

}  // namespace portcullis::proxy::store
