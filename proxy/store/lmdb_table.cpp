#include "proxy/store/lmdb_table.h"

#include "proxy/store/bytes.h"
#include "proxy/store/lmdb_util.h"

#include <algorithm>
#include <stdexcept>

namespace portcullis::proxy::store {
namespace {

std::string lru_key(std::int64_t at, std::string_view key) {
  std::string k;
  k.reserve(8 + key.size());
  bytes::append_be<std::uint64_t>(k, static_cast<std::uint64_t>(std::max<std::int64_t>(at, 0)));
  k.append(key);
  return k;
}

}  // namespace

LmdbTable::LmdbTable(std::shared_ptr<Database> db, TableOptions options)
    : db_(std::move(db)), opt_(std::move(options)) {
  if (!db_) throw std::runtime_error("store: LmdbTable needs an open Database");
  if (opt_.name.empty()) throw std::runtime_error("store: LmdbTable needs a name");
  data_ = db_->open_db(opt_.name);
  atime_ = db_->open_db(opt_.name + ".atime");
  lru_ = db_->open_db(opt_.name + ".lru");
  totals_rows_ = std::make_unique<lmdb::TotalsRows>(db_->open_db("meta"), opt_.name);
  if (mdb_env_get_maxkeysize(db_->env()) < static_cast<int>(kMaxTableKey + 8)) {
    throw std::runtime_error("store: liblmdb was built with a maximum key below 511 bytes");
  }
}

LmdbTable::~LmdbTable() { (void)flush(); }

std::int64_t LmdbTable::now() const { return opt_.clock ? opt_.clock() : system_clock_seconds(); }

int LmdbTable::apply_touches(MDB_txn* txn, const Touches& touches) const {
  for (const auto& [key, at] : touches) {
    MDB_val k = to_val(key), v;
    int rc = mdb_get(txn, data_, &k, &v);
    if (rc == MDB_NOTFOUND) continue;  // erased or evicted since it was read
    if (rc) return rc;
    std::uint64_t old = 0;
    if ((rc = lmdb::get_u64(txn, atime_, key, old))) return rc;
    if (static_cast<std::int64_t>(old) >= at) continue;
    if ((rc = lmdb::del(txn, lru_, lru_key(static_cast<std::int64_t>(old), key)))) return rc;
    if ((rc = lmdb::put(txn, lru_, lru_key(at, key), {}))) return rc;
    if ((rc = lmdb::put_u64(txn, atime_, key, static_cast<std::uint64_t>(at)))) return rc;
  }
  return 0;
}

int LmdbTable::remove_entry(MDB_txn* txn, std::string_view key, lmdb::Totals& t,
                            bool lru_row) const {
  if (lru_row) {
    std::uint64_t at = 0;
    if (int rc = lmdb::get_u64(txn, atime_, key, at)) return rc;
    if (int rc = lmdb::del(txn, lru_, lru_key(static_cast<std::int64_t>(at), key))) return rc;
  }
  MDB_val k = to_val(key), v;
  int rc = mdb_get(txn, data_, &k, &v);
  if (rc == 0) {
    t.remove(key.size() + v.mv_size);
    if ((rc = mdb_del(txn, data_, &k, nullptr))) return rc;
  } else if (rc != MDB_NOTFOUND) {
    return rc;
  }
  return lmdb::del(txn, atime_, key);
}

int LmdbTable::evict_until(MDB_txn* txn, std::uint64_t target, std::string_view keep,
                           lmdb::Totals& t, std::uint64_t& evicted) const {
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn, lru_, &cur)) return rc;
  int rc = 0;
  MDB_cursor_op op = MDB_FIRST;
  while (t.bytes > target) {
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, op);
    op = MDB_NEXT;  // after mdb_cursor_del LMDB leaves the cursor on the next row
    if (rc == MDB_NOTFOUND) {
      rc = 0;
      break;
    }
    if (rc) break;
    std::string_view lk = to_view(k);
    if (lk.size() < 8) {  // not ours; drop it
      if ((rc = mdb_cursor_del(cur, 0))) break;
      continue;
    }
    std::string key(lk.substr(8));
    if (key == keep) continue;
    if ((rc = remove_entry(txn, key, t, /*lru_row=*/false))) break;
    if ((rc = mdb_cursor_del(cur, 0))) break;
    ++evicted;
  }
  mdb_cursor_close(cur);
  return rc;
}

int LmdbTable::evict_fraction() {
  Txn txn;
  if (int rc = txn.begin(db_->env(), false)) return rc;
  lmdb::Totals t;
  if (int rc = totals_rows_->read(txn.get(), t)) return rc;
  if (t.count == 0) return MDB_MAP_FULL;  // another table filled the map; nothing of ours to free
  std::uint64_t evicted = 0;
  if (int rc = evict_until(txn.get(), t.bytes - std::max<std::uint64_t>(t.bytes / 4, 1), {}, t,
                           evicted)) {
    return rc;
  }
  if (int rc = totals_rows_->write(txn.get(), t)) return rc;
  if (int rc = txn.commit()) return rc;
  evictions_ += evicted;
  return 0;
}

void LmdbTable::queue_touch(std::string_view key, std::int64_t at) {
  bool full = false;
  {
    std::lock_guard lock(touch_mutex_);
    auto& slot = pending_[std::string(key)];
    slot = std::max(slot, at);
    full = pending_.size() >= opt_.max_pending_touches;
  }
  if (full) (void)flush();  // best effort: access times only steer eviction
}

LmdbTable::Touches LmdbTable::take_touches() {
  std::lock_guard lock(touch_mutex_);
  Touches out;
  out.swap(pending_);
  return out;
}

Result<std::string> LmdbTable::get(std::string_view key) {
  if (auto ok = check_table_key(opt_, key); !ok) return ok.error();
  Txn txn;
  if (int rc = txn.begin(db_->env(), true)) return lmdb::error(opt_.name, rc, "get");
  MDB_val k = to_val(key), v;
  int rc = mdb_get(txn.get(), data_, &k, &v);
  if (rc == MDB_NOTFOUND) {
    ++misses_;
    return StoreError{StoreErrc::not_found, opt_.name + ": not found"};
  }
  if (rc) return lmdb::error(opt_.name, rc, "get");
  std::string value(to_view(v));
  std::uint64_t at = 0;
  rc = lmdb::get_u64(txn.get(), atime_, key, at);
  txn.abort();
  ++hits_;
  std::int64_t t = now();
  if (rc == 0 && t - static_cast<std::int64_t>(at) >= opt_.touch_granularity_seconds) {
    queue_touch(key, t);
  }
  return value;
}

Result<void> LmdbTable::put(std::string_view key, std::string_view value) {
  if (auto ok = check_table_entry(opt_, key, value.size()); !ok) return ok.error();
  const Touches touches = take_touches();
  const std::int64_t t = now();
  std::uint64_t evicted = 0;
  int rc = lmdb::retry_map_full(
      [&] {
        evicted = 0;
        Txn txn;
        if (int rc = txn.begin(db_->env(), false)) return rc;
        MDB_txn* w = txn.get();
        if (int rc = apply_touches(w, touches)) return rc;
        lmdb::Totals totals;
        if (int rc = totals_rows_->read(w, totals)) return rc;
        if (int rc = remove_entry(w, key, totals, /*lru_row=*/true)) return rc;
        if (int rc = lmdb::put(w, data_, key, value)) return rc;
        if (int rc = lmdb::put_u64(w, atime_, key, static_cast<std::uint64_t>(t))) return rc;
        if (int rc = lmdb::put(w, lru_, lru_key(t, key), {})) return rc;
        totals.add(key.size() + value.size());
        if (int rc = evict_until(w, opt_.cap_bytes, key, totals, evicted)) return rc;
        if (int rc = totals_rows_->write(w, totals)) return rc;
        return txn.commit();
      },
      [&] { return evict_fraction(); });
  if (rc) return lmdb::error(opt_.name, rc, "put");
  ++puts_;
  evictions_ += evicted;
  // Free space before the map is completely full, when even eviction could no longer commit.
  if (db_->needs_room()) (void)evict_fraction();
  return {};
}

Result<void> LmdbTable::erase(std::string_view key) {
  if (auto ok = check_table_key(opt_, key); !ok) return ok.error();
  {
    std::lock_guard lock(touch_mutex_);
    pending_.erase(std::string(key));
  }
  int rc = lmdb::retry_map_full(
      [&] {
        Txn txn;
        if (int rc = txn.begin(db_->env(), false)) return rc;
        MDB_txn* w = txn.get();
        lmdb::Totals totals;
        if (int rc = totals_rows_->read(w, totals)) return rc;
        if (int rc = remove_entry(w, key, totals, /*lru_row=*/true)) return rc;
        if (int rc = totals_rows_->write(w, totals)) return rc;
        return txn.commit();
      },
      [&] { return evict_fraction(); });
  if (rc) return lmdb::error(opt_.name, rc, "erase");
  return {};
}

Result<std::vector<TableRow>> LmdbTable::scan(std::string_view start_after, std::size_t limit,
                                              std::size_t value_prefix) {
  std::vector<TableRow> rows;
  Txn txn;
  if (int rc = txn.begin(db_->env(), true)) return lmdb::error(opt_.name, rc, "scan");
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn.get(), data_, &cur)) return lmdb::error(opt_.name, rc, "scan");
  MDB_val k = to_val(start_after), v;
  int rc = mdb_cursor_get(cur, &k, &v, start_after.empty() ? MDB_FIRST : MDB_SET_RANGE);
  if (rc == 0 && !start_after.empty() && to_view(k) == start_after) {
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  while (rc == 0 && rows.size() < limit) {
    std::string_view value = to_view(v);
    rows.push_back(TableRow{std::string(to_view(k)),
                            std::string(value.substr(0, std::min(value.size(), value_prefix)))});
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cur);
  if (rc && rc != MDB_NOTFOUND) return lmdb::error(opt_.name, rc, "scan");
  return rows;
}

Result<StoreStats> LmdbTable::stats() {
  Txn txn;
  if (int rc = txn.begin(db_->env(), true)) return lmdb::error(opt_.name, rc, "stats");
  lmdb::Totals t;
  if (int rc = totals_rows_->read(txn.get(), t)) return lmdb::error(opt_.name, rc, "stats");
  return StoreStats{t.count, t.bytes, opt_.cap_bytes, hits_, misses_, puts_, evictions_};
}

Result<void> LmdbTable::flush() {
  Touches touches = take_touches();
  if (touches.empty()) return {};
  int rc = lmdb::retry_map_full(
      [&] {
        Txn txn;
        if (int rc = txn.begin(db_->env(), false)) return rc;
        if (int rc = apply_touches(txn.get(), touches)) return rc;
        return txn.commit();
      },
      [&] { return evict_fraction(); });
  if (rc) return lmdb::error(opt_.name, rc, "flush");
  return {};
}

}  // namespace portcullis::proxy::store
