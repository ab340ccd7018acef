// One suite, run against every FactsStore implementation (LMDB and memory).

#include "proxy/store/facts_store.h"
#include "proxy/store/digest.h"
#include "proxy/store/record.h"
#include "tests/proxy/store/backends.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace portcullis::proxy::store::testing {
namespace {

constexpr const char* kRevision = "scanner-1+osv-20240601";

FactsKey key_of(int i, std::string revision = kRevision) {
  return FactsKey{sha256_digest("image " + std::to_string(i)), std::move(revision)};
}

// Opaque bytes, NUL included, as an encoded facts blob would have.
std::string facts_of(int i) {
  return std::string("facts\0of image ", 15) + std::to_string(i) + std::string(100, 'x');
}

// What one entry costs against the cap: table key plus stored record.
std::uint64_t cost_of(const FactsKey& key, std::string_view bytes) {
  return facts_table_key(key).size() + encode_record(0, 0, {}, bytes).size();
}

template <class Backend>
class FactsStoreTest : public StoreFixture<Backend, FactsStore> {
 protected:
  FactsStoreTest() : StoreFixture<Backend, FactsStore>("facts", &make_facts_store) {}
};

TYPED_TEST_SUITE(FactsStoreTest, Backends, BackendNames);

TYPED_TEST(FactsStoreTest, RoundTripKeepsBytesAndMetadata) {
  this->clock_.set(1717200000);
  const std::string bytes = facts_of(1);
  ASSERT_TRUE(this->store_->put(key_of(1), bytes, 3));

  auto got = this->store_->get(key_of(1));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->bytes, bytes);
  EXPECT_EQ(got->meta, (FactsMeta{1717200000, 3, bytes.size()}));
}

TYPED_TEST(FactsStoreTest, MissingKeyIsNotFoundAndNamesTheDigest) {
  auto got = this->store_->get(key_of(7));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, StoreErrc::not_found);
  EXPECT_EQ(got.error().message, "no facts for " + key_of(7).digest + " (" + kRevision + ")");
}

TYPED_TEST(FactsStoreTest, OverwriteReplacesTheValue) {
  ASSERT_TRUE(this->store_->put(key_of(1), "old", 1));
  this->clock_.set(2000);
  ASSERT_TRUE(this->store_->put(key_of(1), "new facts", 2));

  auto got = this->store_->get(key_of(1));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, "new facts");
  EXPECT_EQ(got->meta, (FactsMeta{2000, 2, 9}));
  auto stats = this->store_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->bytes, cost_of(key_of(1), "new facts"));
}

TYPED_TEST(FactsStoreTest, EachRevisionIsItsOwnEntry) {
  ASSERT_TRUE(this->store_->put(key_of(1, "rev-a"), "a", 1));
  ASSERT_TRUE(this->store_->put(key_of(1, "rev-b"), "b", 1));
  EXPECT_EQ(this->store_->get(key_of(1, "rev-a"))->bytes, "a");
  EXPECT_EQ(this->store_->get(key_of(1, "rev-b"))->bytes, "b");
  EXPECT_EQ(this->store_->get(key_of(1, "rev-c")).error().code, StoreErrc::not_found);
}

TYPED_TEST(FactsStoreTest, EraseRemovesAndIsIdempotent) {
  ASSERT_TRUE(this->store_->put(key_of(1), facts_of(1), 1));
  ASSERT_TRUE(this->store_->erase(key_of(1)));
  EXPECT_EQ(this->store_->get(key_of(1)).error().code, StoreErrc::not_found);
  EXPECT_TRUE(this->store_->erase(key_of(1)));
  EXPECT_EQ(this->store_->stats()->entries, 0u);
  EXPECT_EQ(this->store_->stats()->bytes, 0u);
}

TYPED_TEST(FactsStoreTest, RejectsMalformedKeys) {
  const std::string good = key_of(1).digest;
  for (const FactsKey& bad :
       {FactsKey{"sha256:ABC", kRevision}, FactsKey{"md5:" + std::string(32, 'a'), kRevision},
        FactsKey{good.substr(0, good.size() - 1), kRevision}, FactsKey{good, ""},
        FactsKey{good, std::string("a\0b", 3)},
        FactsKey{good, std::string(kMaxFactsRevision + 1, 'r')}}) {
    auto put = this->store_->put(bad, "x", 1);
    ASSERT_FALSE(put) << bad.digest << " / " << bad.revision;
    EXPECT_EQ(put.error().code, StoreErrc::invalid_argument);
    EXPECT_EQ(this->store_->get(bad).error().code, StoreErrc::invalid_argument);
  }
  EXPECT_TRUE(this->store_->put(FactsKey{good, std::string(kMaxFactsRevision, 'r')}, "x", 1));
  EXPECT_TRUE(this->store_->put(FactsKey{"sha512:" + std::string(128, 'f'), kRevision}, "x", 1));
}

TYPED_TEST(FactsStoreTest, EvictsTheLeastRecentlyAccessedUnderASmallCap) {
  const std::uint64_t one = cost_of(key_of(1), facts_of(1));
  this->open(3 * one + one / 2);  // room for three entries
  for (int i = 1; i <= 3; ++i) {
    this->clock_.set(100 + i);
    ASSERT_TRUE(this->store_->put(key_of(i), facts_of(i), 1));
  }
  this->clock_.set(110);
  ASSERT_TRUE(this->store_->get(key_of(1)));  // 1 is now the most recent; 2 is the oldest
  this->clock_.set(111);
  ASSERT_TRUE(this->store_->put(key_of(4), facts_of(4), 1));

  EXPECT_EQ(this->store_->get(key_of(2)).error().code, StoreErrc::not_found);
  for (int i : {1, 3, 4}) EXPECT_TRUE(this->store_->get(key_of(i))) << i;
  auto stats = this->store_->stats();
  EXPECT_EQ(stats->entries, 3u);
  EXPECT_EQ(stats->bytes, 3 * one);
  EXPECT_EQ(stats->evictions, 1u);
}

TYPED_TEST(FactsStoreTest, ReadsWithinTheTouchGranularityDoNotRefreshTheAccessTime) {
  auto options = this->options(2 * cost_of(key_of(1), facts_of(1)) + 10);
  options.touch_granularity_seconds = 60;
  this->open_with(options);

  this->clock_.set(1000);
  ASSERT_TRUE(this->store_->put(key_of(1), facts_of(1), 1));
  this->clock_.set(1001);
  ASSERT_TRUE(this->store_->put(key_of(2), facts_of(2), 1));
  this->clock_.set(1030);  // 30 s after 1 was written: too soon to rewrite its access time
  ASSERT_TRUE(this->store_->get(key_of(1)));
  ASSERT_TRUE(this->store_->put(key_of(3), facts_of(3), 1));
  EXPECT_EQ(this->store_->get(key_of(1)).error().code, StoreErrc::not_found);

  this->clock_.set(1100);  // over a minute since 2 was written: this read counts
  ASSERT_TRUE(this->store_->get(key_of(2)));
  ASSERT_TRUE(this->store_->put(key_of(4), facts_of(4), 1));
  EXPECT_TRUE(this->store_->get(key_of(2)));
  EXPECT_EQ(this->store_->get(key_of(3)).error().code, StoreErrc::not_found);
}

TYPED_TEST(FactsStoreTest, RefusesAnEntryLargerThanTheCap) {
  this->open(1000);
  auto put = this->store_->put(key_of(1), std::string(1000, 'x'), 1);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, StoreErrc::too_large);
  EXPECT_EQ(put.error().message, "facts: entry of " +
                                     std::to_string(cost_of(key_of(1), std::string(1000, 'x'))) +
                                     " bytes exceeds the cap of 1000 bytes");
  EXPECT_EQ(this->store_->stats()->entries, 0u);
}

TYPED_TEST(FactsStoreTest, StatsCountEntriesBytesHitsMissesAndPuts) {
  ASSERT_TRUE(this->store_->put(key_of(1), facts_of(1), 1));
  ASSERT_TRUE(this->store_->put(key_of(2), "tiny", 1));
  ASSERT_TRUE(this->store_->get(key_of(1)));
  ASSERT_TRUE(this->store_->get(key_of(1)));
  ASSERT_FALSE(this->store_->get(key_of(3)));

  auto stats = this->store_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->entries, 2u);
  EXPECT_EQ(stats->bytes, cost_of(key_of(1), facts_of(1)) + cost_of(key_of(2), "tiny"));
  EXPECT_EQ(stats->cap_bytes, std::uint64_t{1} << 20);
  EXPECT_EQ(stats->hits, 2u);
  EXPECT_EQ(stats->misses, 1u);
  EXPECT_EQ(stats->puts, 2u);
  EXPECT_EQ(stats->evictions, 0u);
}

TYPED_TEST(FactsStoreTest, ListPagesThroughEveryEntryInKeyOrder) {
  std::vector<FactsKey> keys;
  for (int i = 0; i < 5; ++i) {
    keys.push_back(key_of(i));
    this->clock_.set(500 + i);
    ASSERT_TRUE(this->store_->put(keys.back(), facts_of(i), 4));
  }
  std::sort(keys.begin(), keys.end(), [](const FactsKey& a, const FactsKey& b) {
    return facts_table_key(a) < facts_table_key(b);
  });

  std::vector<FactsListing> seen;
  std::optional<FactsKey> after;
  int pages = 0;
  do {
    auto page = this->store_->list(after, 2);
    ASSERT_TRUE(page);
    ASSERT_LE(page->entries.size(), 2u);
    seen.insert(seen.end(), page->entries.begin(), page->entries.end());
    after = page->next;
    ASSERT_LT(++pages, 10);
  } while (after);

  ASSERT_EQ(seen.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(seen[i].key, keys[i]);
    EXPECT_EQ(seen[i].meta.encoding_version, 4u);
    EXPECT_EQ(seen[i].meta.size, facts_of(0).size());
  }
}

TYPED_TEST(FactsStoreTest, ConcurrentReadersAndWritersSeeWholeValues) {
  constexpr int kWriters = 4, kPerWriter = 40;
  std::atomic<int> bad{0};
  run_threads(2 * kWriters, [&](int t) {
    for (int n = 0; n < kPerWriter; ++n) {
      int i = (t % kWriters) * kPerWriter + n;
      if (t < kWriters) {
        if (!this->store_->put(key_of(i), facts_of(i), 1)) ++bad;
        continue;
      }
      auto got = this->store_->get(key_of(i));  // a hit must be whole; a miss is fine
      if (got ? got->bytes != facts_of(i) : got.error().code != StoreErrc::not_found) ++bad;
    }
  });
  EXPECT_EQ(bad.load(), 0);
  for (int i = 0; i < kWriters * kPerWriter; ++i) {
    auto got = this->store_->get(key_of(i));
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(got->bytes, facts_of(i));
  }
  EXPECT_EQ(this->store_->stats()->entries, std::uint64_t{kWriters * kPerWriter});
}

TYPED_TEST(FactsStoreTest, SurvivesAReopen) {
  if constexpr (!TypeParam::kPersistent) {
    GTEST_SKIP() << "in-memory store keeps nothing across a restart";
  } else {
    this->clock_.set(4242);
    ASSERT_TRUE(this->store_->put(key_of(1), facts_of(1), 9));
    ASSERT_TRUE(this->store_->put(key_of(2), facts_of(2), 9));
    auto before = this->store_->stats();
    this->reopen();
    auto got = this->store_->get(key_of(1));
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->bytes, facts_of(1));
    EXPECT_EQ(got->meta, (FactsMeta{4242, 9, facts_of(1).size()}));
    auto after = this->store_->stats();
    EXPECT_EQ(after->entries, before->entries);
    EXPECT_EQ(after->bytes, before->bytes);
  }
}

TYPED_TEST(FactsStoreTest, CorruptOrShortRecordsAreReportedErasedAndSkippedByList) {
  const std::string whole = encode_record(1, 1, {}, facts_of(1));
  for (const std::string& damaged :
       {std::string("garbage"), std::string(), whole.substr(0, whole.size() - 1), whole + "x",
        whole.substr(0, kRecordFixedHeader - 1)}) {
    ASSERT_TRUE(this->table_->put(facts_table_key(key_of(1)), damaged));
    ASSERT_TRUE(this->store_->put(key_of(2), facts_of(2), 1));
    auto listed = this->store_->list(std::nullopt, 10);
    ASSERT_TRUE(listed);
    if (damaged.size() < kRecordFixedHeader) {
      EXPECT_EQ(listed->entries.size(), 1u);
    }

    auto got = this->store_->get(key_of(1));
    ASSERT_FALSE(got) << damaged.size();
    EXPECT_EQ(got.error().code, StoreErrc::corrupt);
    EXPECT_NE(got.error().message.find(key_of(1).digest), std::string::npos);
    EXPECT_EQ(this->store_->get(key_of(1)).error().code, StoreErrc::not_found);
    EXPECT_TRUE(this->store_->get(key_of(2)));
  }
  EXPECT_EQ(this->store_->stats()->entries, 1u);
}

}  // namespace
}  // namespace portcullis::proxy::store::testing
