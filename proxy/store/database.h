#pragma once
// One LMDB environment per process, shared by every store as named sub-databases.
//
// LMDB rules this class enforces: the environment is opened once per path per process (a second
// open of the same path throws), read transactions are not bound to threads (MDB_NOTLS, so they
// may run on any Asio worker), and write transactions are serialised by LMDB itself.

#include "proxy/store/result.h"

#include <lmdb.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace portcullis::proxy::store {

enum class SyncMode {
  full,        // fsync data and meta pages on every commit
  meta_async,  // integrity kept on a crash; the last commit may be lost (default)
  none,        // no fsync at all; for tests and throwaway caches
};

struct DatabaseOptions {
  std::filesystem::path path;                   // directory; created if missing
  std::size_t map_size = std::size_t{8} << 30;  // 8 GiB; sparse, so it costs nothing up front
  unsigned max_dbs = 32;                        // named sub-databases
  unsigned max_readers = 512;                   // concurrent read transactions
  SyncMode sync = SyncMode::meta_async;
};

struct MapUsage {
  std::uint64_t map_bytes = 0;
  std::uint64_t used_bytes = 0;  // pages below the high-water mark that are not on the free list
};

class Database {
 public:
  // Opens (creating if needed) the environment. Throws std::runtime_error naming the path and
  // mdb_strerror() on failure; call it at start-up only.
  static std::shared_ptr<Database> open(const DatabaseOptions& options);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens (creating if needed) a named sub-database and caches its handle. Throws on failure:
  // stores call it from their constructors. `flags` are extra mdb_dbi_open flags (e.g. MDB_DUPSORT)
  // and must be the same on every call for one name.
  MDB_dbi open_db(std::string_view name, unsigned flags = 0);

  // How full the map is. LMDB cannot even delete in a completely full map (deletes copy pages
  // too), so stores evict while there is still room: see needs_room().
  Result<MapUsage> usage() const;
  // True when less than 1/64 of the map (at least 64 pages) is free.
  bool needs_room() const;

  MDB_env* env() const { return env_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Database(MDB_env* env, std::filesystem::path path);

  MDB_env* env_;
  std::filesystem::path path_;
  std::mutex dbi_mutex_;  // mdb_dbi_open must not run concurrently
  std::map<std::string, MDB_dbi, std::less<>> dbis_;
};

// RAII transactions. Errors are returned as MDB return codes so callers can react to
// MDB_MAP_FULL; the destructor aborts anything not committed.
class Txn {
 public:
  Txn() = default;
  Txn(Txn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  Txn& operator=(Txn&& other) noexcept;
  ~Txn() { abort(); }

  // Returns 0 or an MDB error code.
  int begin(MDB_env* env, bool read_only);
  int commit();
  void abort();

  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

inline MDB_val to_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view to_view(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

}  // namespace portcullis::proxy::store
