#include "proxy/store/database.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <system_error>

namespace portcullis::proxy::store {
namespace {

// LMDB forbids opening one environment twice in a process: closing either copy would drop the
// other's locks. Remember which paths are open so a second open fails loudly instead.
std::mutex& open_paths_mutex() {
  static std::mutex m;
  return m;
}
std::set<std::string>& open_paths() {
  static std::set<std::string> s;
  return s;
}

[[noreturn]] void fail(const std::filesystem::path& path, std::string_view what, int rc) {
  throw std::runtime_error("store: " + std::string(what) + " " + path.string() + ": " +
                           mdb_strerror(rc));
}

}  // namespace

std::shared_ptr<Database> Database::open(const DatabaseOptions& options) {
  if (options.path.empty()) throw std::runtime_error("store: store.path is empty");
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    throw std::runtime_error("store: cannot create " + options.path.string() + ": " + ec.message());
  }
  auto path = std::filesystem::canonical(options.path, ec);
  if (ec) throw std::runtime_error("store: cannot resolve " + options.path.string());

  {
    std::lock_guard lock(open_paths_mutex());
    if (!open_paths().insert(path.string()).second) {
      throw std::runtime_error("store: " + path.string() + " is already open in this process");
    }
  }
  MDB_env* env = nullptr;
  auto release = [&](std::string_view what, int rc) {
    if (env) mdb_env_close(env);
    std::lock_guard lock(open_paths_mutex());
    open_paths().erase(path.string());
    fail(path, what, rc);
  };
  int rc = mdb_env_create(&env);
  if (rc) release("cannot create environment for", rc);
  if ((rc = mdb_env_set_mapsize(env, options.map_size))) release("bad map size for", rc);
  if ((rc = mdb_env_set_maxdbs(env, options.max_dbs))) release("bad max dbs for", rc);
  if ((rc = mdb_env_set_maxreaders(env, options.max_readers))) release("bad max readers", rc);

  unsigned flags = MDB_NOTLS;
  if (options.sync == SyncMode::meta_async) flags |= MDB_NOMETASYNC;
  if (options.sync == SyncMode::none) flags |= MDB_NOSYNC;
  if ((rc = mdb_env_open(env, path.c_str(), flags, 0600))) release("cannot open", rc);

  // Reader slots left behind by a crashed process would pin old pages forever.
  int dead = 0;
  mdb_reader_check(env, &dead);
  return std::shared_ptr<Database>(new Database(env, std::move(path)));
}

Database::Database(MDB_env* env, std::filesystem::path path) : env_(env), path_(std::move(path)) {}

Database::~Database() {
  mdb_env_close(env_);
  std::lock_guard lock(open_paths_mutex());
  open_paths().erase(path_.string());
}

MDB_dbi Database::open_db(std::string_view name, unsigned flags) {
  std::lock_guard lock(dbi_mutex_);
  if (auto it = dbis_.find(name); it != dbis_.end()) return it->second;
  Txn txn;
  int rc = txn.begin(env_, false);
  if (rc) fail(path_, "cannot begin transaction in", rc);
  MDB_dbi dbi = 0;
  std::string owned(name);
  rc = mdb_dbi_open(txn.get(), owned.c_str(), flags | MDB_CREATE, &dbi);
  if (rc) fail(path_, "cannot open sub-database '" + owned + "' in", rc);
  if ((rc = txn.commit())) fail(path_, "cannot commit sub-database '" + owned + "' in", rc);
  dbis_.emplace(std::move(owned), dbi);
  return dbi;
}

Result<MapUsage> Database::usage() const {
  MDB_envinfo info;
  MDB_stat stat;
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &stat);
  auto error = [&](int rc) {
    return StoreError{StoreErrc::io, "lmdb usage " + path_.string() + ": " + mdb_strerror(rc)};
  };
  Txn txn;
  if (int rc = txn.begin(env_, true)) return error(rc);
  // Each free-list record is an IDL: a count followed by that many page numbers.
  std::uint64_t free_pages = 0;
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn.get(), 0 /* FREE_DBI */, &cur)) return error(rc);
  MDB_val k, v;
  while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
    if (v.mv_size >= sizeof(std::size_t)) free_pages += *static_cast<const std::size_t*>(v.mv_data);
  }
  mdb_cursor_close(cur);
  const std::uint64_t high_water = info.me_last_pgno + 1;
  const std::uint64_t used = high_water > free_pages ? high_water - free_pages : 0;
  return MapUsage{info.me_mapsize, used * stat.ms_psize};
}

bool Database::needs_room() const {
  MDB_envinfo info;
  MDB_stat stat;
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &stat);
  const std::uint64_t reserve = std::max<std::uint64_t>(info.me_mapsize / 64, 64 * stat.ms_psize);
  // Cheap check first: below the high-water mark's reserve the free list need not be read.
  if ((info.me_last_pgno + 1) * stat.ms_psize + reserve <= info.me_mapsize) return false;
  auto u = usage();
  return u && u->map_bytes < u->used_bytes + reserve;
}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    abort();
    txn_ = other.txn_;
    other.txn_ = nullptr;
  }
  return *this;
}

int Txn::begin(MDB_env* env, bool read_only) {
  abort();
  return mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &txn_);
}

int Txn::commit() {
  if (!txn_) return EINVAL;
  int rc = mdb_txn_commit(txn_);  // frees the handle even on failure
  txn_ = nullptr;
  return rc;
}

void Txn::abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

}  // namespace portcullis::proxy::store
