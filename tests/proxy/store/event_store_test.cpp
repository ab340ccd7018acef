// One suite, run against every EventStore implementation (LMDB and memory).

#include "proxy/store/event_store.h"
#include "tests/proxy/store/backends.h"

#include <gtest/gtest.h>

#include <set>

namespace portcullis::proxy::store::testing {
namespace {

template <class Backend>
class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open(std::uint64_t cap = std::uint64_t{16} << 20) {
    store_.reset();
    store_ = backend_.make_event_store(EventStoreOptions{"events", cap});
  }

  // Every event with time in [from, to), in order, read page by page.
  std::vector<Event> all(std::int64_t from = 0,
                         std::int64_t to = std::numeric_limits<std::int64_t>::max(),
                         std::size_t page_size = 1000) {
    std::vector<Event> out;
    EventQuery q{from, to, page_size, std::nullopt};
    for (int pages = 0; pages < 10000; ++pages) {
      auto page = store_->range(q);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) break;
      out.insert(out.end(), page->events.begin(), page->events.end());
      if (!page->next) break;
      q.after = page->next;
    }
    return out;
  }

  Backend backend_;
  std::unique_ptr<EventStore> store_;
};

TYPED_TEST_SUITE(EventStoreTest, Backends, BackendNames);

std::vector<std::int64_t> times_of(const std::vector<Event>& events) {
  std::vector<std::int64_t> t;
  for (const auto& e : events) t.push_back(e.id.time_ms);
  return t;
}

TYPED_TEST(EventStoreTest, RangeReturnsEventsInTimeOrderWithTheirBytes) {
  auto late = this->store_->append(300, "deny pull nginx:1");
  auto early = this->store_->append(100, std::string("allow\0push", 10));
  auto mid = this->store_->append(200, "deny deploy");
  ASSERT_TRUE(late && early && mid);
  EXPECT_LT(late->seq, early->seq);
  EXPECT_LT(early->seq, mid->seq);

  auto events = this->all();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, *early);
  EXPECT_EQ(events[0].bytes, std::string("allow\0push", 10));
  EXPECT_EQ(events[1].id, *mid);
  EXPECT_EQ(events[2].id, *late);
  EXPECT_EQ(events[2].bytes, "deny pull nginx:1");
}

TYPED_TEST(EventStoreTest, EventsInTheSameMillisecondKeepAppendOrder) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(this->store_->append(42, std::to_string(i)));
  auto events = this->all();
  ASSERT_EQ(events.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(events[i].bytes, std::to_string(i));
}

TYPED_TEST(EventStoreTest, RangeIsHalfOpenAndPages) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(this->store_->append(i * 10, "e" + std::to_string(i)));
  EXPECT_EQ(times_of(this->all(20, 60)), (std::vector<std::int64_t>{20, 30, 40, 50}));
  EXPECT_EQ(times_of(this->all(20, 60, 3)), (std::vector<std::int64_t>{20, 30, 40, 50}));
  EXPECT_EQ(this->all(0, std::numeric_limits<std::int64_t>::max(), 1).size(), 10u);

  auto first = this->store_->range(EventQuery{0, 100, 4, std::nullopt});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->events.size(), 4u);
  ASSERT_TRUE(first->next);
  EXPECT_EQ(*first->next, first->events.back().id);
  auto none = this->store_->range(EventQuery{100, 200, 4, std::nullopt});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->events.empty());
  EXPECT_FALSE(none->next);
}

TYPED_TEST(EventStoreTest, PruneRemovesEverythingOlderThanTheCutoff) {
  const std::string payload(100, 'p');
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(this->store_->append(i, payload));
  auto pruned = this->store_->prune(2500);
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 2500u);
  auto events = this->all();
  ASSERT_EQ(events.size(), 500u);
  EXPECT_EQ(events.front().id.time_ms, 2500);
  EXPECT_EQ(events.back().id.time_ms, 2999);
  auto stats = this->store_->stats();
  EXPECT_EQ(stats->entries, 500u);
  EXPECT_EQ(stats->bytes, 500u * (kEventKeyBytes + payload.size()));
  EXPECT_EQ(*this->store_->prune(2500), 0u);
}

TYPED_TEST(EventStoreTest, TheCapDropsTheOldestEvents) {
  this->open(3 * (kEventKeyBytes + 10) + 5);
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(this->store_->append(i, std::string(10, 'a' + i)));
  EXPECT_EQ(times_of(this->all()), (std::vector<std::int64_t>{2, 3, 4}));
  auto stats = this->store_->stats();
  EXPECT_EQ(stats->entries, 3u);
  EXPECT_EQ(stats->evictions, 1u);
  EXPECT_EQ(stats->puts, 4u);

  // A late arrival with an old timestamp is still kept; the next oldest goes.
  ASSERT_TRUE(this->store_->append(0, std::string(10, 'z')));
  EXPECT_EQ(times_of(this->all()), (std::vector<std::int64_t>{0, 3, 4}));
}

TYPED_TEST(EventStoreTest, RefusesOversizedEvents) {
  auto r = this->store_->append(1, std::string(kMaxEventBytes + 1, 'x'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrc::too_large);
  EXPECT_EQ(this->store_->stats()->entries, 0u);
}

TYPED_TEST(EventStoreTest, NegativeTimesClampToZero) {
  auto id = this->store_->append(-5, "before the epoch");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->time_ms, 0);
  EXPECT_EQ(this->all(-100, 1).size(), 1u);
}

TYPED_TEST(EventStoreTest, ConcurrentAppendsGetUniqueIdsAndAllLand) {
  constexpr int kThreads = 4, kEach = 100;
  std::mutex m;
  std::set<std::uint64_t> seqs;
  run_threads(kThreads, [&](int t) {
    for (int i = 0; i < kEach; ++i) {
      auto id = this->store_->append(1000 + i, "t" + std::to_string(t));
      ASSERT_TRUE(id);
      std::lock_guard lock(m);
      seqs.insert(id->seq);
    }
  });
  EXPECT_EQ(seqs.size(), std::size_t{kThreads * kEach});
  EXPECT_EQ(this->all(0, std::numeric_limits<std::int64_t>::max(), 37).size(),
            std::size_t{kThreads * kEach});
}

TYPED_TEST(EventStoreTest, SurvivesAReopenAndKeepsCounting) {
  if constexpr (!TypeParam::kPersistent) {
    GTEST_SKIP() << "in-memory store keeps nothing across a restart";
  } else {
    auto first = this->store_->append(10, "before restart");
    ASSERT_TRUE(first);
    this->store_.reset();
    this->backend_.close();
    this->open();

    auto second = this->store_->append(10, "after restart");
    ASSERT_TRUE(second);
    EXPECT_GT(second->seq, first->seq);
    auto events = this->all();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].bytes, "before restart");
    EXPECT_EQ(events[1].bytes, "after restart");
    EXPECT_EQ(this->store_->stats()->entries, 2u);
  }
}

}  // namespace
}  // namespace portcullis::proxy::store::testing
