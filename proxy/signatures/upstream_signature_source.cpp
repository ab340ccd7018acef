#include "proxy/signatures/upstream_signature_source.h"

#include "proxy/assessment/registry_reader.h"
#include "proxy/registry/upstreams.h"
#include "signing/digest.h"

namespace portcullis::proxy::signatures {

UpstreamSignatureSource::UpstreamSignatureSource(upstream::ConnectionPool& pool, KeyProvider keys,
                                                 SignatureSourceOptions options)
    : pool_(pool), keys_(std::move(keys)), options_(std::move(options)) {}

SignatureSourceStats UpstreamSignatureSource::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void UpstreamSignatureSource::clear_cache() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  lru_.clear();
  no_referrers_api_.clear();
}

UpstreamSignatureSource::EntryPtr UpstreamSignatureSource::lookup(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.second);
  return it->second.first;
}

void UpstreamSignatureSource::store(const std::string& key, EntryPtr entry) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.first = std::move(entry);
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return;
  }
  lru_.push_front(key);
  entries_.emplace(key, std::make_pair(std::move(entry), lru_.begin()));
  while (entries_.size() > std::max<size_t>(options_.cache_entries, 1)) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

bool UpstreamSignatureSource::referrers_due(const std::string& upstream, const Entry* entry,
                                            std::chrono::steady_clock::time_point now) {
  if (!options_.discovery.query_referrers) return false;
  std::lock_guard lock(mutex_);
  if (auto it = no_referrers_api_.find(upstream);
      it != no_referrers_api_.end() && now - it->second < options_.referrers_recheck)
    return false;
  if (entry && entry->discovered.referrers_supported &&
      now - entry->referrers_checked < options_.referrers_recheck)
    return false;
  return true;
}

void UpstreamSignatureSource::note_referrers(const std::string& upstream, bool supported,
                                             std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (supported)
    no_referrers_api_.erase(upstream);
  else
    no_referrers_api_[upstream] = now;
}

policy::SignatureFacts UpstreamSignatureSource::assess(const Discovered& d,
                                                       const std::string& digest,
                                                       const TrustedKeySet& keys,
                                                       const std::string& reference) const {
  signing::AssessOptions opts;
  if (options_.check_identity) opts.expected_docker_reference = reference;
  return signing::assess_signatures(digest, d.sources, keys.keys, opts);
}

awaitable<assessment::Result<policy::SignatureFacts>> UpstreamSignatureSource::signatures(
    registry::UpstreamRuntime& upstream, std::string repository, std::string digest) {
  {
    std::lock_guard lock(mutex_);
    ++stats_.calls;
  }
  if (!assessment::is_valid_repository(repository) || !signing::is_sha256_digest(digest)) {
    Error e = assessment::make_error(Errc::invalid, "signatures: malformed repository \"" +
                                                        repository + "\" or digest \"" + digest +
                                                        "\" (cosign tags need sha256)");
    co_return e;
  }
  auto keys = keys_ ? keys_() : nullptr;
  if (!keys) keys = make_key_set({});
  const std::string& upstream_name = upstream.config.name;
  const std::string cache_key = upstream_name + "\n" + repository + "\n" + digest;
  const std::string reference = upstream_name + "/" + repository;
  RegistryClient client(pool_, upstream, repository, upstream::repository_scope(repository, "pull"),
                        options_.fetch_limits);
  const auto now = std::chrono::steady_clock::now();

  EntryPtr cached = lookup(cache_key);
  const bool referrers_now = referrers_due(upstream_name, cached.get(), now);
  if (cached) {
    const std::string tag = cached->discovered.signature_tag;
    auto head = co_await client.manifest_digest(tag);
    if (!head) {
      std::lock_guard lock(mutex_);
      ++stats_.upstream_errors;
      co_return head.error();
    }
    if (*head == cached->discovered.tag_digest && !referrers_now) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.unchanged;
      }
      if (cached->key_set_id == keys->id) co_return cached->facts;
      // The trusted keys changed (policy reload): same signatures, new judgement.
      auto entry = std::make_shared<Entry>(*cached);
      entry->key_set_id = keys->id;
      entry->facts = assess(entry->discovered, digest, *keys, reference);
      policy::SignatureFacts facts = entry->facts;
      store(cache_key, std::move(entry));
      co_return facts;
    }
  }

  DiscoveryOptions discovery = options_.discovery;
  discovery.query_referrers = referrers_now;
  const Discovered* previous = cached ? &cached->discovered : nullptr;
  auto found = co_await discover_signatures(client, digest, discovery, previous);
  if (!found) {
    std::lock_guard lock(mutex_);
    ++stats_.upstream_errors;
    co_return found.error();
  }
  if (referrers_now) note_referrers(upstream_name, found->referrers_supported, now);
  auto entry = std::make_shared<Entry>();
  entry->discovered = std::move(*found);
  entry->referrers_checked = referrers_now || !cached ? now : cached->referrers_checked;
  entry->key_set_id = keys->id;
  entry->facts = assess(entry->discovered, digest, *keys, reference);
  policy::SignatureFacts facts = entry->facts;
  {
    std::lock_guard lock(mutex_);
    ++(cached ? stats_.rediscovered : stats_.cold);
  }
  store(cache_key, std::move(entry));
  co_return facts;
}

}  // namespace portcullis::proxy::signatures
