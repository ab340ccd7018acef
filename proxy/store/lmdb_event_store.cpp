// EventStore on LMDB: one sub-database keyed by (time u64 BE, seq u64 BE), so a cursor walks
// events in time order; running totals and the sequence live in the shared "meta" sub-database.

#include "proxy/store/bytes.h"
#include "proxy/store/database.h"
#include "proxy/store/event_store.h"
#include "proxy/store/lmdb_util.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <stdexcept>

namespace portcullis::proxy::store {
namespace {

constexpr std::uint64_t kPruneBatch = 10000;  // keeps each write transaction short

std::string event_key(const EventId& id) {
  std::string k;
  bytes::append_be(k, static_cast<std::uint64_t>(std::max<std::int64_t>(id.time_ms, 0)));
  bytes::append_be(k, id.seq);
  return k;
}

EventId event_id(std::string_view key) {
  if (key.size() != kEventKeyBytes) return EventId{};
  return EventId{static_cast<std::int64_t>(bytes::read_be<std::uint64_t>(key, 0)),
                 bytes::read_be<std::uint64_t>(key, 8)};
}

class LmdbEventStore final : public EventStore {
 public:
  LmdbEventStore(std::shared_ptr<Database> db, EventStoreOptions options)
      : db_(std::move(db)), opt_(std::move(options)) {
    if (!db_) throw std::runtime_error("store: the event store needs an open Database");
    data_ = db_->open_db(opt_.name);
    meta_ = db_->open_db("meta");
    totals_rows_ = std::make_unique<lmdb::TotalsRows>(meta_, opt_.name);
    seq_key_ = opt_.name + ".seq";
  }

  Result<EventId> append(std::int64_t time_ms, std::string_view bytes) override {
    if (auto ok = check_event(opt_, bytes); !ok) return ok.error();
    EventId id;
    std::uint64_t dropped = 0;
    int rc = lmdb::retry_map_full(
        [&] {
          Txn txn;
          if (int rc = txn.begin(db_->env(), false)) return rc;
          MDB_txn* w = txn.get();
          lmdb::Totals totals;
          std::uint64_t seq = 0;
          if (int rc = totals_rows_->read(w, totals)) return rc;
          if (int rc = lmdb::get_u64(w, meta_, seq_key_, seq)) return rc;
          id = EventId{std::max<std::int64_t>(time_ms, 0), seq + 1};
          const std::string key = event_key(id);
          if (int rc = lmdb::put(w, data_, key, bytes)) return rc;
          totals.add(kEventKeyBytes + bytes.size());
          dropped = 0;
          auto over_cap = [&](const EventId&, const lmdb::Totals& t, std::uint64_t) {
            return t.bytes > opt_.cap_bytes;
          };
          if (int rc = drop_oldest(w, totals, over_cap, key, dropped)) return rc;
          if (int rc = totals_rows_->write(w, totals)) return rc;
          if (int rc = lmdb::put_u64(w, meta_, seq_key_, id.seq)) return rc;
          return txn.commit();
        },
        [&] { return drop_fraction(); });
    if (rc) return lmdb::error(opt_.name, rc, "append");
    ++appends_;
    evictions_ += dropped;
    if (db_->needs_room()) (void)drop_fraction();
    return id;
  }

  Result<EventPage> range(const EventQuery& q) override {
    const std::size_t limit = event_page_limit(q);
    const EventId from{std::max<std::int64_t>(q.from_ms, 0), 0};
    const bool resume = q.after && *q.after >= from;
    const std::string start = event_key(resume ? *q.after : from);
    Txn txn;
    if (int rc = txn.begin(db_->env(), true)) return lmdb::error(opt_.name, rc, "range");
    MDB_cursor* cur = nullptr;
    if (int rc = mdb_cursor_open(txn.get(), data_, &cur)) {
      return lmdb::error(opt_.name, rc, "range");
    }
    EventPage page;
    MDB_val k = to_val(start), v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && resume && to_view(k) == start) rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    for (; rc == 0 && page.events.size() < limit; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      EventId id = event_id(to_view(k));
      if (id.time_ms >= q.to_ms) break;
      page.events.push_back(Event{id, std::string(to_view(v))});
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND) return lmdb::error(opt_.name, rc, "range");
    if (limit > 0 && page.events.size() == limit) page.next = page.events.back().id;
    return page;
  }

  Result<std::uint64_t> prune(std::int64_t older_than_ms) override {
    std::uint64_t removed = 0;
    for (;;) {
      std::uint64_t batch = 0;
      auto old = [&](const EventId& id, const lmdb::Totals&, std::uint64_t dropped) {
        return id.time_ms < older_than_ms && dropped < kPruneBatch;
      };
      int rc = lmdb::retry_map_full([&] { return drop_in_txn(old, batch); },
                                    [&] { return drop_fraction(); });
      if (rc) return lmdb::error(opt_.name, rc, "prune");
      removed += batch;
      if (batch < kPruneBatch) return removed;
    }
  }

  Result<StoreStats> stats() override {
    Txn txn;
    if (int rc = txn.begin(db_->env(), true)) return lmdb::error(opt_.name, rc, "stats");
    lmdb::Totals t;
    if (int rc = totals_rows_->read(txn.get(), t)) return lmdb::error(opt_.name, rc, "stats");
    return StoreStats{t.count, t.bytes, opt_.cap_bytes, 0, 0, appends_, evictions_};
  }

 private:
  // Asked before each deletion: the oldest remaining event, the totals so far, and how many
  // have been dropped in this transaction.
  using Predicate =
      std::function<bool(const EventId& oldest, const lmdb::Totals& t, std::uint64_t dropped)>;

  // Deletes events from the oldest while `more` holds (never `keep`), adjusting `t`.
  int drop_oldest(MDB_txn* txn, lmdb::Totals& t, const Predicate& more, std::string_view keep,
                  std::uint64_t& dropped) const {
    MDB_cursor* cur = nullptr;
    if (int rc = mdb_cursor_open(txn, data_, &cur)) return rc;
    MDB_val k, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && more(event_id(to_view(k)), t, dropped)) {
      if (to_view(k) == keep) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        continue;
      }
      t.remove(kEventKeyBytes + v.mv_size);
      if ((rc = mdb_cursor_del(cur, 0))) break;
      ++dropped;
      rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);  // after a delete: the row that followed it
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
  }

  // One write transaction of drop_oldest.
  int drop_in_txn(const Predicate& more, std::uint64_t& dropped) const {
    dropped = 0;
    Txn txn;
    if (int rc = txn.begin(db_->env(), false)) return rc;
    lmdb::Totals t;
    if (int rc = totals_rows_->read(txn.get(), t)) return rc;
    if (int rc = drop_oldest(txn.get(), t, more, {}, dropped)) return rc;
    if (int rc = totals_rows_->write(txn.get(), t)) return rc;
    return txn.commit();
  }

  // MDB_MAP_FULL relief: the oldest quarter of the bytes goes.
  int drop_fraction() {
    Txn probe;
    if (int rc = probe.begin(db_->env(), true)) return rc;
    lmdb::Totals t;
    if (int rc = totals_rows_->read(probe.get(), t)) return rc;
    probe.abort();
    if (t.count == 0) return MDB_MAP_FULL;  // the map is full of other stores' data
    const std::uint64_t target = t.bytes - std::max<std::uint64_t>(t.bytes / 4, 1);
    std::uint64_t dropped = 0;
    int rc = drop_in_txn(
        [&](const EventId&, const lmdb::Totals& now, std::uint64_t) { return now.bytes > target; },
        dropped);
    evictions_ += dropped;
    return rc;
  }

  std::shared_ptr<Database> db_;
  EventStoreOptions opt_;
  MDB_dbi data_, meta_;
  std::unique_ptr<lmdb::TotalsRows> totals_rows_;
  std::string seq_key_;
  std::atomic<std::uint64_t> appends_{0}, evictions_{0};
};

}  // namespace

std::unique_ptr<EventStore> make_lmdb_event_store(std::shared_ptr<Database> db,
                                                  EventStoreOptions options) {
  return std::make_unique<LmdbEventStore>(std::move(db), std::move(options));
}

}  // namespace portcullis::proxy::store
