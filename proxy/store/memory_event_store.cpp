// EventStore in process memory, for unit tests of components that record events.

#include "proxy/store/event_store.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace portcullis::proxy::store {
namespace {

class MemoryEventStore final : public EventStore {
 public:
  explicit MemoryEventStore(EventStoreOptions options) : opt_(std::move(options)) {
    stats_.cap_bytes = opt_.cap_bytes;
  }

  Result<EventId> append(std::int64_t time_ms, std::string_view bytes) override {
    if (auto ok = check_event(opt_, bytes); !ok) return ok.error();
    std::lock_guard lock(mutex_);
    const EventId id{std::max<std::int64_t>(time_ms, 0), ++seq_};
    events_.emplace(id, std::string(bytes));
    stats_.entries += 1;
    stats_.bytes += kEventKeyBytes + bytes.size();
    stats_.puts += 1;
    for (auto it = events_.begin(); stats_.bytes > opt_.cap_bytes && it != events_.end();) {
      if (it->first == id) {
        ++it;
        continue;
      }
      stats_.evictions += 1;
      it = remove(it);
    }
    return id;
  }

  Result<EventPage> range(const EventQuery& q) override {
    const std::size_t limit = event_page_limit(q);
    std::lock_guard lock(mutex_);
    const EventId from{std::max<std::int64_t>(q.from_ms, 0), 0};
    auto it =
        q.after && *q.after >= from ? events_.upper_bound(*q.after) : events_.lower_bound(from);
    EventPage page;
    for (; it != events_.end() && it->first.time_ms < q.to_ms && page.events.size() < limit; ++it) {
      page.events.push_back(Event{it->first, it->second});
    }
    if (limit > 0 && page.events.size() == limit) page.next = page.events.back().id;
    return page;
  }

  Result<std::uint64_t> prune(std::int64_t older_than_ms) override {
    std::lock_guard lock(mutex_);
    std::uint64_t removed = 0;
    for (auto it = events_.begin(); it != events_.end() && it->first.time_ms < older_than_ms;) {
      it = remove(it);
      ++removed;
    }
    return removed;
  }

  Result<StoreStats> stats() override {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  using Map = std::map<EventId, std::string>;
  Map::iterator remove(Map::iterator it) {
    stats_.entries -= 1;
    stats_.bytes -= kEventKeyBytes + it->second.size();
    return events_.erase(it);
  }

  EventStoreOptions opt_;
  std::mutex mutex_;
  Map events_;
  std::uint64_t seq_ = 0;
  StoreStats stats_;
};

}  // namespace

std::unique_ptr<EventStore> make_memory_event_store(EventStoreOptions options) {
  return std::make_unique<MemoryEventStore>(std::move(options));
}

}  // namespace portcullis::proxy::store
