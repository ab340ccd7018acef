// LMDB-only behaviour: the environment's start-up errors, one env per path, sub-databases of
// several stores side by side, and a full map handled by evicting.

#include "proxy/store/digest.h"
#include "proxy/store/facts_store.h"
#include "proxy/store/manifest_store.h"
#include "proxy/store/record.h"
#include "tests/proxy/store/backends.h"

#include <gtest/gtest.h>

#include <fstream>

namespace portcullis::proxy::store::testing {
namespace {

DatabaseOptions options_at(const std::filesystem::path& path, std::size_t map_size = 64 << 20) {
  return DatabaseOptions{.path = path, .map_size = map_size, .sync = SyncMode::none};
}

TEST(LmdbDatabase, OpeningAPathTwiceInOneProcessThrows) {
  TempDir dir;
  auto db = Database::open(options_at(dir.path()));
  try {
    Database::open(options_at(dir.path()));
    FAIL() << "second open succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "store: " + std::filesystem::canonical(dir.path()).string() +
                                         " is already open in this process");
  }
  db.reset();
  EXPECT_NO_THROW(Database::open(options_at(dir.path())));  // closing releases the path
}

TEST(LmdbDatabase, StartUpErrorsNameThePath) {
  TempDir dir;
  const auto file = dir.path() / "not-a-dir";
  std::ofstream(file) << "x";
  try {
    Database::open(options_at(file / "db"));
    FAIL() << "opened a store below a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((file / "db").string()), std::string::npos) << e.what();
  }
  try {
    Database::open(options_at(file));
    FAIL() << "opened a regular file as the store directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

TEST(LmdbDatabase, StoresShareOneEnvironmentWithSeparateCapsAndCounts) {
  TempDir dir;
  auto db = Database::open(options_at(dir.path()));
  TableOptions facts_opts;
  facts_opts.cap_bytes = 1 << 20;
  TableOptions manifest_opts;
  manifest_opts.cap_bytes = 2 << 20;
  auto facts = make_lmdb_facts_store(db, facts_opts);
  auto manifests = make_lmdb_manifest_store(db, manifest_opts);

  const std::string manifest = R"({"schemaVersion":2})";
  const std::string digest = sha256_digest(manifest);
  ASSERT_TRUE(facts->put(FactsKey{digest, "rev"}, "facts", 1));
  ASSERT_TRUE(manifests->put(digest, "application/vnd.oci.image.manifest.v1+json", manifest));

  EXPECT_EQ(facts->get(FactsKey{digest, "rev"})->bytes, "facts");
  EXPECT_EQ(manifests->get(digest)->bytes, manifest);
  EXPECT_EQ(facts->stats()->entries, 1u);
  EXPECT_EQ(facts->stats()->cap_bytes, 1u << 20);
  EXPECT_EQ(manifests->stats()->entries, 1u);
  EXPECT_EQ(manifests->stats()->cap_bytes, 2u << 20);
}

TEST(LmdbDatabase, UsageGrowsWithDataAndNeedsRoomOnlyWhenNearlyFull) {
  TempDir dir;
  auto db = Database::open(options_at(dir.path(), 1 << 20));
  auto empty = db->usage();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->map_bytes, 1u << 20);
  EXPECT_FALSE(db->needs_room());

  auto facts = make_lmdb_facts_store(db, TableOptions{});
  ASSERT_TRUE(facts->put(FactsKey{sha256_digest("x"), "rev"}, std::string(100 << 10, 'x'), 1));
  auto used = db->usage();
  ASSERT_TRUE(used);
  EXPECT_GT(used->used_bytes, empty->used_bytes + (100 << 10));
  EXPECT_FALSE(db->needs_room());
}

TEST(LmdbDatabase, AFullMapIsHandledByEvictingAndRetrying) {
  TempDir dir;
  // A map far smaller than the cap: only MDB_MAP_FULL can bound this table.
  auto db = Database::open(options_at(dir.path(), 1 << 20));
  TableOptions opts;
  opts.cap_bytes = std::uint64_t{1} << 30;
  auto facts = make_lmdb_facts_store(db, opts);

  const std::string bytes(16 << 10, 'f');
  constexpr int kPuts = 200;  // 3.2 MB of values into a 1 MB map
  for (int i = 0; i < kPuts; ++i) {
    auto put = facts->put(FactsKey{sha256_digest(std::to_string(i)), "rev"}, bytes, 1);
    ASSERT_TRUE(put) << i << ": " << put.error().message;
  }
  auto stats = facts->stats();
  EXPECT_GT(stats->evictions, 0u);
  EXPECT_LT(stats->entries, std::uint64_t{kPuts});
  EXPECT_EQ(stats->entries + stats->evictions, std::uint64_t{kPuts});
  EXPECT_EQ(facts->get(FactsKey{sha256_digest(std::to_string(kPuts - 1)), "rev"})->bytes, bytes);

  // Bigger than the free room kept in reserve: the put itself meets MDB_MAP_FULL, evicts, retries.
  const std::string big(100 << 10, 'b');
  auto put = facts->put(FactsKey{sha256_digest("big"), "rev"}, big, 1);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_GT(facts->stats()->evictions, stats->evictions);
  EXPECT_EQ(facts->get(FactsKey{sha256_digest("big"), "rev"})->bytes, big);
}

TEST(LmdbDatabase, BatchedAccessTimesAreWrittenOnClose) {
  TempDir dir;
  FakeClock clock;
  TableOptions opts;
  opts.touch_granularity_seconds = 0;
  opts.clock = clock.fn();
  const FactsKey a{sha256_digest("a"), "rev"}, b{sha256_digest("b"), "rev"},
      c{sha256_digest("c"), "rev"};
  {
    auto db = Database::open(options_at(dir.path()));
    auto facts = make_lmdb_facts_store(db, opts);
    clock.set(100);
    ASSERT_TRUE(facts->put(a, "a", 1));
    clock.set(101);
    ASSERT_TRUE(facts->put(b, "b", 1));
    clock.set(102);
    ASSERT_TRUE(facts->get(a));  // queued, not yet written
  }
  // After a restart with a cap for two entries, b (not a) is the least recently accessed.
  auto db = Database::open(options_at(dir.path()));
  opts.cap_bytes = 2 * (facts_table_key(a).size() + kRecordFixedHeader + 1) + 1;
  auto facts = make_lmdb_facts_store(db, opts);
  clock.set(103);
  ASSERT_TRUE(facts->put(c, "c", 1));
  EXPECT_TRUE(facts->get(a));
  EXPECT_EQ(facts->get(b).error().code, StoreErrc::not_found);
}

}  // namespace
}  // namespace portcullis::proxy::store::testing
