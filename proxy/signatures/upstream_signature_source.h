// The judge's SignatureSource over the proxy's upstream client.
//
// WIRING (daemon):
//   signatures::SignatureSourceOptions opts;           // defaults are fine
//   opts.fetch_limits = {config.limits.max_manifest_bytes, config.limits.max_header_bytes,
//                        config.timeouts.header};
//   opts.check_identity = config.signing && config.signing->identity;
//   auto source = std::make_unique<signatures::UpstreamSignatureSource>(
//       pool, signatures::keys_from_policy(policy), opts);    // pool: upstream::ConnectionPool&
//   ... judge calls co_await source->signatures(upstream_runtime, repository, digest);
//
// Per (upstream, repository, digest) it keeps the discovered signatures, the
// digest of the .sig tag manifest and the referrers answer, in a memory LRU.
// A cold call asks: GET the .sig manifest, GET /v2/<repo>/referrers/<digest>
// (404 = no API: remembered per upstream for referrers_recheck), GET each
// payload (bounded by its descriptor). A warm call makes exactly ONE request,
// a HEAD of the .sig tag: unchanged -> the cached facts; changed, new or gone
// -> discover again (payloads already held are not fetched twice). Referrers
// are asked again when referrers_recheck has passed. Facts are re-derived
// without the network when the trusted key set changes (policy reload).
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "proxy/judge/signature_source.h"
#include "proxy/signatures/signature_discovery.h"
#include "proxy/signatures/trusted_keys.h"

namespace portcullis::proxy::signatures {

struct SignatureSourceOptions {
  DiscoveryOptions discovery;
  // Per request: max_body is replaced per request, timeout and max_header apply.
  upstream::FetchLimits fetch_limits;
  // Each payload's critical.identity.docker-reference must name
  // "<upstream name>/<repository>" (config `signing.identity`).
  bool check_identity = false;
  size_t cache_entries = 10'000;
  // How long a cached referrers answer (or "this registry has no referrers
  // API") is trusted before it is asked again.
  std::chrono::seconds referrers_recheck{300};
};

struct SignatureSourceStats {
  size_t calls = 0;
  size_t cold = 0;          // nothing cached: full discovery
  size_t unchanged = 0;     // HEAD said the .sig tag is as cached
  size_t rediscovered = 0;  // cached, but the tag or referrers changed
  size_t upstream_errors = 0;
};

class UpstreamSignatureSource final : public judge::SignatureSource {
 public:
  // `pool` must outlive the source (the daemon's upstream::ConnectionPool).
  UpstreamSignatureSource(upstream::ConnectionPool& pool, KeyProvider keys,
                          SignatureSourceOptions options = {});

  awaitable<assessment::Result<policy::SignatureFacts>> signatures(
      registry::UpstreamRuntime& upstream, std::string repository, std::string digest) override;

  SignatureSourceStats stats() const;
  void clear_cache();

 private:
  struct Entry {
    Discovered discovered;
    std::chrono::steady_clock::time_point referrers_checked;
    std::string key_set_id;
    policy::SignatureFacts facts;
  };
  using EntryPtr = std::shared_ptr<const Entry>;

  EntryPtr lookup(const std::string& key);
  void store(const std::string& key, EntryPtr entry);
  // Whether referrers must be asked now for an upstream (and an entry's answer).
  bool referrers_due(const std::string& upstream, const Entry* entry,
                     std::chrono::steady_clock::time_point now);
  void note_referrers(const std::string& upstream, bool supported,
                      std::chrono::steady_clock::time_point now);
  policy::SignatureFacts assess(const Discovered& d, const std::string& digest,
                                const TrustedKeySet& keys, const std::string& reference) const;

  upstream::ConnectionPool& pool_;
  KeyProvider keys_;
  SignatureSourceOptions options_;

  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, std::pair<EntryPtr, std::list<std::string>::iterator>> entries_;
  std::map<std::string, std::chrono::steady_clock::time_point> no_referrers_api_;
  SignatureSourceStats stats_;
};

}  // namespace portcullis::proxy::signatures
