#include "proxy/store/lmdb_util.h"

#include "proxy/store/bytes.h"

namespace portcullis::proxy::store::lmdb {

int get_u64(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::uint64_t& out) {
  MDB_val k = to_val(key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  out = 0;
  if (rc == MDB_NOTFOUND) return 0;
  if (rc) return rc;
  if (v.mv_size == 8) out = bytes::read_le<std::uint64_t>(to_view(v), 0);
  return 0;
}

int put_u64(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::uint64_t value) {
  std::string v;
  bytes::append_le(v, value);
  return put(txn, dbi, key, v);
}

int put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = to_val(key), v = to_val(value);
  return mdb_put(txn, dbi, &k, &v, 0);
}

int del(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn, dbi, &k, nullptr);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

StoreError error(std::string_view store, int rc, std::string_view what) {
  return StoreError{
      rc == MDB_MAP_FULL ? StoreErrc::map_full : StoreErrc::io,
      "lmdb " + std::string(store) + " " + std::string(what) + ": " + mdb_strerror(rc)};
}

int TotalsRows::read(MDB_txn* txn, Totals& t) const {
  if (int rc = get_u64(txn, meta_, bytes_key_, t.bytes)) return rc;
  return get_u64(txn, meta_, count_key_, t.count);
}

int TotalsRows::write(MDB_txn* txn, const Totals& t) const {
  if (int rc = put_u64(txn, meta_, bytes_key_, t.bytes)) return rc;
  return put_u64(txn, meta_, count_key_, t.count);
}

}  // namespace portcullis::proxy::store::lmdb
