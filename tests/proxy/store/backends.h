#pragma once
// The store implementations every typed test runs against, as distribution's storage driver
// suite does: each backend makes Tables, and the stores under test are built on them.

#include "proxy/store/database.h"
#include "proxy/store/event_store.h"
#include "proxy/store/lmdb_table.h"
#include "proxy/store/memory_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace portcullis::proxy::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "portcullis-store-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A clock the test moves by hand, shared by every table of a fixture.
class FakeClock {
 public:
  Clock fn() const {
    return [t = t_] { return t->load(); };
  }
  void set(std::int64_t t) { t_->store(t); }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> t_ = std::make_shared<std::atomic<std::int64_t>>(1000);
};

class LmdbBackend {
 public:
  static constexpr bool kPersistent = true;
  static constexpr const char* kName = "Lmdb";

  std::shared_ptr<Table> make_table(TableOptions options) {
    return std::make_shared<LmdbTable>(db(), std::move(options));
  }
  std::unique_ptr<EventStore> make_event_store(EventStoreOptions options) {
    return make_lmdb_event_store(db(), std::move(options));
  }
  // Closes the environment, as a restart does; every table made from it must be gone first.
  void close() { db_.reset(); }

 private:
  const std::shared_ptr<Database>& db() {
    if (!db_) {
      db_ = Database::open(DatabaseOptions{
          .path = dir_.path() / "db", .map_size = std::size_t{64} << 20, .sync = SyncMode::none});
    }
    return db_;
  }

  TempDir dir_;
  std::shared_ptr<Database> db_;
};

class MemoryBackend {
 public:
  static constexpr bool kPersistent = false;
  static constexpr const char* kName = "Memory";

  std::shared_ptr<Table> make_table(TableOptions options) {
    return std::make_shared<MemoryTable>(std::move(options));
  }
  std::unique_ptr<EventStore> make_event_store(EventStoreOptions options) {
    return make_memory_event_store(std::move(options));
  }
  void close() {}
};

using Backends = ::testing::Types<LmdbBackend, MemoryBackend>;

struct BackendNames {
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};

// Fixture shared by the typed suites: a backend, a fake clock, and a store of type `Store` built
// by `make` on a table from the backend. Every read counts as an access (granularity 0), so
// eviction order is exact.
template <class Backend, class Store>
class StoreFixture : public ::testing::Test {
 protected:
  using Maker = std::unique_ptr<Store> (*)(std::shared_ptr<Table>);
  StoreFixture(std::string name, Maker make) : name_(std::move(name)), make_(make) {}

  void SetUp() override { open(); }

  TableOptions options(std::uint64_t cap) const {
    TableOptions o;
    o.name = name_;
    o.cap_bytes = cap;
    o.touch_granularity_seconds = 0;
    o.clock = clock_.fn();
    return o;
  }
  void open(std::uint64_t cap = std::uint64_t{1} << 20) { open_with(options(cap)); }
  void open_with(TableOptions o) {
    store_.reset();
    table_.reset();
    table_ = backend_.make_table(std::move(o));
    store_ = make_(table_);
  }
  // A restart: everything is closed, then opened again.
  void reopen() {
    store_.reset();
    table_.reset();
    backend_.close();
    open();
  }

  Backend backend_;
  FakeClock clock_;
  std::shared_ptr<Table> table_;  // under store_; tests write damaged records straight into it
  std::unique_ptr<Store> store_;

 private:
  std::string name_;
  Maker make_;
};

// Runs `body(i)` on `n` threads at once and waits for all of them.
template <class F>
void run_threads(int n, F body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(body, i);
  for (auto& t : threads) t.join();
}

}  // namespace portcullis::proxy::store::testing
