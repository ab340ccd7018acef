// The assessment orchestrator: facts cache first, else one run per digest
// (however many callers wait for it) on a small worker pool, then the facts
// are cached. A blocking entry point for worker threads and an awaitable one
// for the proxy's coroutines; neither ever throws on the data path.
//
//   facts cache hit (memory, then LMDB) -> the cached Assessment, no registry access
//   miss -> manifest (stored in the ManifestStore) -> config -> every layer, streamed
//
// Outcomes:
//   - success with facts.content: the image was inspected; cached.
//   - success with facts.assessment_error: a content problem the digest's bytes
//     decide (malformed manifest/config/layer, a broken limit); cached, so it is
//     not fetched again. Exception: bytes that did not match their digest are
//     reported the same way but not cached.
//   - success with manifest.kind == index: no content, no error; not inspected
//     further (each child is assessed when requested); cached.
//   - failure (Error): nothing to judge (manifest unknown upstream, upstream
//     down, credentials refused, shutting down); never cached.
//
// Wiring in the daemon (one Assessor; one reader per configured upstream):
//
//   auto db = store::Database::open({.path = config.store.path});
//   auto facts = store::make_lmdb_facts_store(db, {});
//   auto manifests = store::make_lmdb_manifest_store(db, {});
//   Assessor assessor(*facts, *manifests, {.threads = 2});   // destroy before ioc
//   auto reader = std::make_shared<UpstreamRegistryReader>(
//       ioc.get_executor(), up.origin, *up.auth, pool);
//   ...
//   // in a session coroutine, before answering a manifest GET/HEAD:
//   auto assessed = co_await assessor.async_assess(up.origin.key(), repo, digest, reader);
//   if (!assessed) deny/404 with assessed.error().message;
//   else evaluate (*assessed)->facts; for an index, gate each child when it is requested.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proxy/assessment/assessment.h"
#include "proxy/assessment/assessment_run.h"
#include "proxy/assessment/error.h"
#include "proxy/assessment/registry_reader.h"
#include "proxy/net/asio.h"
#include "proxy/store/facts_store.h"
#include "proxy/store/manifest_store.h"

namespace portcullis::proxy::assessment {

// kScannerRevision + "|novulndb": the facts key's revision until vulnerability
// facts (and their advisory data revision) arrive.
std::string default_facts_revision();

struct AssessorOptions {
  size_t threads = 2;  // concurrent runs; each streams one layer at a time
  RunLimits limits{};
  std::string facts_revision = default_facts_revision();
  size_t memory_cache_entries = 128;  // decoded hits kept in memory (0: none)
};

struct AssessorStats {
  size_t runs = 0;        // assessments actually executed (registry accessed)
  size_t joined = 0;      // calls that waited for a run already in flight
  size_t cache_hits = 0;  // calls answered from the facts cache
  size_t in_flight = 0;   // runs queued or running now
};

class Assessor {
 public:
  // The stores must outlive the Assessor.
  Assessor(store::FactsStore& facts, store::ManifestStore& manifests, AssessorOptions options = {});
  // Waits for running assessments; queued ones complete with shutting_down.
  // Destroy it before the io_context its async callers run on.
  ~Assessor();
  Assessor(const Assessor&) = delete;
  Assessor& operator=(const Assessor&) = delete;

  // Blocking: call from a worker thread, never from an I/O thread (the run
  // itself needs the I/O threads). `reader` must reach the upstream that
  // `upstream_key` names; runs are shared per (upstream_key, digest).
  Result<AssessmentPtr> assess(std::string_view upstream_key, std::string_view repository,
                               std::string_view manifest_digest, RegistryReader& reader);

  // For coroutines on any executor: a cache hit completes at once (decoding on
  // the calling thread); otherwise the coroutine is suspended, without holding
  // any thread, until the shared run completes. `reader` is kept alive by the run.
  awaitable<Result<AssessmentPtr>> async_assess(std::string upstream_key, std::string repository,
                                                std::string manifest_digest,
                                                std::shared_ptr<RegistryReader> reader);

  // The facts cache alone: a cached Assessment, or nullptr. No registry access.
  AssessmentPtr cached(std::string_view manifest_digest);

  AssessorStats stats() const;
  const AssessorOptions& options() const { return options_; }

  class Waiter;  // an async caller parked on a run (internal)

 private:
  struct Flight;

  std::shared_ptr<Flight> join_or_start(std::string_view upstream_key, std::string_view repository,
                                        std::string_view digest,
                                        std::shared_ptr<RegistryReader> reader);
  void execute(const std::shared_ptr<Flight>& flight, const std::string& repository,
               RegistryReader& reader);
  Result<AssessmentPtr> run_and_store(const std::string& repository, const std::string& digest,
                                      RegistryReader& reader);
  void finish(const std::shared_ptr<Flight>& flight, Result<AssessmentPtr> result);
  void park(const std::shared_ptr<Flight>& flight, std::unique_ptr<Waiter> waiter);
  AssessmentPtr memory_get(const std::string& digest);
  void memory_put(const std::string& digest, const AssessmentPtr& a);

  store::FactsStore& facts_;
  store::ManifestStore& manifests_;
  AssessorOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // upstream_key NUL digest
  bool stopping_ = false;
  size_t sync_waiters_ = 0;  // blocking assess() calls waiting on done_
  AssessorStats stats_;

  std::mutex memory_mutex_;
  std::list<std::pair<std::string, AssessmentPtr>> memory_;  // most recent first
  std::unordered_map<std::string, decltype(memory_)::iterator> memory_index_;

  asio::thread_pool pool_;  // last: joined first on destruction
};

}  // namespace portcullis::proxy::assessment
