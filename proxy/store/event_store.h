#pragma once
// Decision events (pull, push, deploy; allow or deny; reasons), append-only and keyed by time,
// for the dashboards and the drift report. Bytes are opaque here (the event codec lives with the
// producer). Old events go by retention (prune) and, as a safety net, by a byte cap.

#include "proxy/store/result.h"
#include "proxy/store/stats.h"

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::proxy::store {

class Database;

inline constexpr std::size_t kMaxEventBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxEventPage = 10000;

struct EventId {
  std::int64_t time_ms = 0;  // unix milliseconds as appended (negative clamps to 0)
  std::uint64_t seq = 0;     // unique in the store; increases with every append
  auto operator<=>(const EventId&) const = default;
};

struct Event {
  EventId id;
  std::string bytes;
};

struct EventQuery {
  std::int64_t from_ms = 0;                                       // inclusive
  std::int64_t to_ms = std::numeric_limits<std::int64_t>::max();  // exclusive
  std::size_t limit = 1000;                                       // at most kMaxEventPage
  std::optional<EventId> after;  // continue after this event (a previous page's `next`)
};

struct EventPage {
  std::vector<Event> events;    // in (time, seq) order
  std::optional<EventId> next;  // set when the page is full: pass as EventQuery::after
};

struct EventStoreOptions {
  std::string name = "events";                         // LMDB sub-database
  std::uint64_t cap_bytes = std::uint64_t{256} << 20;  // sum of 16-byte keys + event sizes
};

class EventAppender {
 public:
  virtual ~EventAppender() = default;
  // too_large above kMaxEventBytes or the cap. Drops the oldest events when over the cap.
  virtual Result<EventId> append(std::int64_t time_ms, std::string_view bytes) = 0;
};

class EventReader {
 public:
  virtual ~EventReader() = default;
  virtual Result<EventPage> range(const EventQuery& query) = 0;
};

class EventPruner {
 public:
  virtual ~EventPruner() = default;
  // Removes every event with time < older_than_ms; returns how many.
  virtual Result<std::uint64_t> prune(std::int64_t older_than_ms) = 0;
};

class EventStore : public EventAppender,
                   public EventReader,
                   public EventPruner,
                   public StatsProvider {};

// Throws at start-up only.
std::unique_ptr<EventStore> make_lmdb_event_store(std::shared_ptr<Database> db,
                                                  EventStoreOptions options = {});
std::unique_ptr<EventStore> make_memory_event_store(EventStoreOptions options = {});

// Shared by the implementations: too_large checks, and the page limit.
Result<void> check_event(const EventStoreOptions& options, std::string_view bytes);
inline std::size_t event_page_limit(const EventQuery& q) {
  return std::min(q.limit, kMaxEventPage);
}
inline constexpr std::uint64_t kEventKeyBytes = 16;

}  // namespace portcullis::proxy::store
