#include "proxy/store/memory_table.h"

#include <algorithm>

namespace portcullis::proxy::store {

MemoryTable::MemoryTable(TableOptions options) : opt_(std::move(options)) {
  stats_.cap_bytes = opt_.cap_bytes;
}

std::int64_t MemoryTable::now() const { return opt_.clock ? opt_.clock() : system_clock_seconds(); }

void MemoryTable::remove(Map::iterator it) {
  lru_.erase({it->second.atime, it->first});
  stats_.bytes -= it->first.size() + it->second.value.size();
  stats_.entries -= 1;
  entries_.erase(it);
}

Result<std::string> MemoryTable::get(std::string_view key) {
  if (auto ok = check_table_key(opt_, key); !ok) return ok.error();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    ++stats_.misses;
    return StoreError{StoreErrc::not_found, opt_.name + ": not found"};
  }
  ++stats_.hits;
  std::int64_t t = now();
  if (t - it->second.atime >= opt_.touch_granularity_seconds && t > it->second.atime) {
    lru_.erase({it->second.atime, it->first});
    it->second.atime = t;
    lru_.emplace(t, it->first);
  }
  return it->second.value;
}

Result<void> MemoryTable::put(std::string_view key, std::string_view value) {
  if (auto ok = check_table_entry(opt_, key, value.size()); !ok) return ok.error();
  const std::uint64_t cost = key.size() + value.size();
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) remove(it);
  const std::int64_t t = now();
  auto [it, _] = entries_.emplace(std::string(key), Entry{std::string(value), t});
  lru_.emplace(t, it->first);
  stats_.bytes += cost;
  stats_.entries += 1;
  stats_.puts += 1;
  for (auto victim = lru_.begin(); stats_.bytes > opt_.cap_bytes && victim != lru_.end();) {
    if (victim->second == key) {
      ++victim;
      continue;
    }
    auto next = std::next(victim);
    remove(entries_.find(victim->second));
    stats_.evictions += 1;
    victim = next;
  }
  return {};
}

Result<void> MemoryTable::erase(std::string_view key) {
  if (auto ok = check_table_key(opt_, key); !ok) return ok.error();
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) remove(it);
  return {};
}

Result<std::vector<TableRow>> MemoryTable::scan(std::string_view start_after, std::size_t limit,
                                                std::size_t value_prefix) {
  std::lock_guard lock(mutex_);
  std::vector<TableRow> rows;
  for (auto it = entries_.upper_bound(start_after); it != entries_.end() && rows.size() < limit;
       ++it) {
    std::string_view v = it->second.value;
    rows.push_back(TableRow{it->first, std::string(v.substr(0, std::min(v.size(), value_prefix)))});
  }
  return rows;
}

Result<StoreStats> MemoryTable::stats() {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace portcullis::proxy::store
