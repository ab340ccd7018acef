#include "proxy/assessment/assessor.h"

#include <vector>

#include "proxy/assessment/facts_codec.h"
#include "scanner-adapters/image_inspector.h"

namespace portcullis::proxy::assessment {

std::string default_facts_revision() {
  return std::string(scanner::kScannerRevision) + "|novulndb";
}

// An async caller's completion handler, completed once on its own executor.
class Assessor::Waiter {
 public:
  virtual ~Waiter() = default;
  virtual void complete(Result<AssessmentPtr> result) = 0;
};

struct Assessor::Flight {
  std::string key;  // in flights_ while not done
  std::string digest;
  bool done = false;
  Result<AssessmentPtr> result = make_error(Errc::shutting_down, "not finished");
  std::vector<std::unique_ptr<Waiter>> waiters;
};

namespace {

template <class Handler>
class HandlerWaiter final : public Assessor::Waiter {
 public:
  explicit HandlerWaiter(Handler handler)
      : handler_(std::move(handler)),
        // Keeps the caller's io_context running while nothing else is pending.
        work_(asio::prefer(asio::get_associated_executor(handler_),
                           asio::execution::outstanding_work.tracked)) {}

  void complete(Result<AssessmentPtr> result) override {
    auto work = std::move(work_);
    asio::post(work, [handler = std::move(handler_), result = std::move(result)]() mutable {
      std::move(handler)(std::move(result));
    });
  }

 private:
  Handler handler_;
  std::decay_t<decltype(asio::prefer(asio::get_associated_executor(std::declval<Handler&>()),
                                     asio::execution::outstanding_work.tracked))>
      work_;
};

std::string flight_key(std::string_view upstream_key, std::string_view digest) {
  std::string key(upstream_key);
  key.push_back('\0');
  key.append(digest);
  return key;
}

}  // namespace

Assessor::Assessor(store::FactsStore& facts, store::ManifestStore& manifests,
                   AssessorOptions options)
    : facts_(facts),
      manifests_(manifests),
      options_(std::move(options)),
      pool_(options_.threads == 0 ? 1 : options_.threads) {}

Assessor::~Assessor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  pool_.join();
  // Blocking callers woken by the last runs must leave before the members go.
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return sync_waiters_ == 0; });
}

AssessorStats Assessor::stats() const {
  std::lock_guard lock(mutex_);
  AssessorStats s = stats_;
  s.in_flight = flights_.size();
  return s;
}

AssessmentPtr Assessor::memory_get(const std::string& digest) {
  std::lock_guard lock(memory_mutex_);
  auto it = memory_index_.find(digest);
  if (it == memory_index_.end()) return nullptr;
  memory_.splice(memory_.begin(), memory_, it->second);
  return it->second->second;
}

void Assessor::memory_put(const std::string& digest, const AssessmentPtr& a) {
  if (options_.memory_cache_entries == 0) return;
  std::lock_guard lock(memory_mutex_);
  if (auto it = memory_index_.find(digest); it != memory_index_.end()) {
    it->second->second = a;
    memory_.splice(memory_.begin(), memory_, it->second);
    return;
  }
  memory_.emplace_front(digest, a);
  memory_index_[digest] = memory_.begin();
  while (memory_.size() > options_.memory_cache_entries) {
    memory_index_.erase(memory_.back().first);
    memory_.pop_back();
  }
}

AssessmentPtr Assessor::cached(std::string_view manifest_digest) {
  const std::string digest(manifest_digest);
  if (auto hit = memory_get(digest)) return hit;
  auto record = facts_.get({digest, options_.facts_revision});
  // A miss, a damaged record (erased by the store) or an I/O error: assess again.
  if (!record || record->meta.encoding_version != kFactsEncodingVersion) return nullptr;
  auto decoded = decode_assessment(record->bytes);
  if (!decoded || decoded->facts.manifest_digest != digest) return nullptr;
  auto hit = std::make_shared<const Assessment>(std::move(*decoded));
  memory_put(digest, hit);
  return hit;
}

std::shared_ptr<Assessor::Flight> Assessor::join_or_start(std::string_view upstream_key,
                                                          std::string_view repository,
                                                          std::string_view digest,
                                                          std::shared_ptr<RegistryReader> reader) {
  std::lock_guard lock(mutex_);
  const auto key = flight_key(upstream_key, digest);
  if (auto it = flights_.find(key); it != flights_.end()) {
    ++stats_.joined;
    return it->second;
  }
  auto flight = std::make_shared<Flight>();
  flight->key = key;
  flight->digest = std::string(digest);
  if (stopping_) {
    flight->done = true;
    flight->result = make_error(Errc::shutting_down, "the assessor is shutting down");
    return flight;
  }
  flights_.emplace(key, flight);
  asio::post(pool_, [this, flight, repository = std::string(repository),
                     reader = std::move(reader)] { execute(flight, repository, *reader); });
  return flight;
}

void Assessor::execute(const std::shared_ptr<Flight>& flight, const std::string& repository,
                       RegistryReader& reader) {
  bool stopping;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
  }
  if (stopping)
    return finish(flight, make_error(Errc::shutting_down, "the assessor is shutting down"));
  // A run that finished between the caller's cache check and joining stored it.
  if (auto hit = cached(flight->digest)) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.cache_hits;
    }
    return finish(flight, hit);
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.runs;
  }
  finish(flight, run_and_store(repository, flight->digest, reader));
}

Result<AssessmentPtr> Assessor::run_and_store(const std::string& repository,
                                              const std::string& digest, RegistryReader& reader) {
  auto run = run_assessment(reader, repository, digest, options_.limits, &manifests_);
  if (!run) return run.error();
  Assessment a = std::move(run->assessment);
  if (run->cacheable) {
    const auto bytes = encode_assessment(a, options_.facts_revision);
    // A failed put (e.g. facts larger than the cap) only costs a later re-assessment.
    a.cached =
        facts_.put({digest, options_.facts_revision}, bytes, kFactsEncodingVersion).has_value();
  }
  if (a.cached) {
    Assessment hit = a;  // what later callers get: marked as answered from the cache
    hit.from_cache = true;
    memory_put(digest, std::make_shared<const Assessment>(std::move(hit)));
  }
  return std::make_shared<const Assessment>(std::move(a));
}

void Assessor::finish(const std::shared_ptr<Flight>& flight, Result<AssessmentPtr> result) {
  std::vector<std::unique_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    flight->done = true;
    flight->result = std::move(result);
    waiters.swap(flight->waiters);
    // Later callers start afresh (a cached outcome is found by its cache check).
    if (auto it = flights_.find(flight->key); it != flights_.end() && it->second == flight)
      flights_.erase(it);
  }
  done_.notify_all();
  for (auto& w : waiters) w->complete(flight->result);
}

void Assessor::park(const std::shared_ptr<Flight>& flight, std::unique_ptr<Waiter> waiter) {
  std::unique_lock lock(mutex_);
  if (!flight->done) {
    flight->waiters.push_back(std::move(waiter));
    return;
  }
  auto result = flight->result;
  lock.unlock();
  waiter->complete(std::move(result));
}

Result<AssessmentPtr> Assessor::assess(std::string_view upstream_key, std::string_view repository,
                                       std::string_view manifest_digest, RegistryReader& reader) {
  if (!is_valid_digest(manifest_digest))
    return make_error(Errc::invalid, "malformed manifest digest \"" +
                                         std::string(manifest_digest.substr(0, 256)) + "\"");
  if (auto hit = cached(manifest_digest)) {
    std::lock_guard lock(mutex_);
    ++stats_.cache_hits;
    return hit;
  }
  // This call blocks until the run ends, so the reader outlives it: no ownership.
  std::shared_ptr<RegistryReader> borrowed(std::shared_ptr<RegistryReader>(), &reader);
  auto flight = join_or_start(upstream_key, repository, manifest_digest, std::move(borrowed));
  std::unique_lock lock(mutex_);
  ++sync_waiters_;
  done_.wait(lock, [&] { return flight->done; });
  auto result = flight->result;
  // The destructor waits for this (under the lock, so the cv is still alive).
  if (--sync_waiters_ == 0 && stopping_) done_.notify_all();
  return result;
}

awaitable<Result<AssessmentPtr>> Assessor::async_assess(std::string upstream_key,
                                                        std::string repository,
                                                        std::string manifest_digest,
                                                        std::shared_ptr<RegistryReader> reader) {
  if (!is_valid_digest(manifest_digest)) {
    Error e = make_error(Errc::invalid,
                         "malformed manifest digest \"" + manifest_digest.substr(0, 256) + "\"");
    co_return e;
  }
  if (auto hit = cached(manifest_digest)) {
    std::lock_guard lock(mutex_);
    ++stats_.cache_hits;
    co_return hit;
  }
  auto flight = join_or_start(upstream_key, repository, manifest_digest, std::move(reader));
  auto initiate = [this, flight](auto handler) {
    using Handler = decltype(handler);
    park(flight, std::make_unique<HandlerWaiter<Handler>>(std::move(handler)));
  };
  auto result =
      co_await asio::async_initiate<const asio::use_awaitable_t<>, void(Result<AssessmentPtr>)>(
          initiate, asio::use_awaitable);
  co_return result;
}

}  // namespace portcullis::proxy::assessment
