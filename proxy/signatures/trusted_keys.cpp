#include "proxy/signatures/trusted_keys.h"

#include <algorithm>

#include "proxy/trust/active_policy.h"

namespace portcullis::proxy::signatures {

std::shared_ptr<const TrustedKeySet> make_key_set(std::vector<signing::PublicKey> keys) {
  auto set = std::make_shared<TrustedKeySet>();
  std::sort(keys.begin(), keys.end(),
            [](const auto& a, const auto& b) { return a.fingerprint() < b.fingerprint(); });
  for (auto& k : keys) {
    if (!set->keys.empty() && set->keys.back().fingerprint() == k.fingerprint()) continue;
    set->id += (set->id.empty() ? "" : ",") + k.fingerprint();
    set->keys.push_back(std::move(k));
  }
  return set;
}

std::shared_ptr<const TrustedKeySet> ManifestKeys::keys_for(const policy::ManifestSet& set) {
  std::lock_guard lock(mutex_);
  if (current_ && revision_ == set.revision()) return current_;
  std::vector<signing::PublicKey> keys;
  std::vector<std::string> problems;
  std::map<std::string, bool> seen;  // fingerprint -> usable
  for (const auto& m : set.manifests()) {
    if (!m.signatures) continue;
    for (const auto& k : m.signatures->keys) {
      if (k.fingerprint.empty() || seen.count(k.fingerprint)) continue;
      auto held = by_fingerprint_.find(k.fingerprint);
      if (held == by_fingerprint_.end()) {
        auto loaded = signing::load_public_key_file(k.public_key_path);
        if (!loaded) {
          problems.push_back(k.public_key_path + ": " + loaded.error().message);
          continue;
        }
        if (loaded->fingerprint() != k.fingerprint) {
          // The file changed after the manifests were loaded: trust what was
          // reviewed (the fingerprint in force), not what is on disk now.
          problems.push_back(k.public_key_path +
                             ": the key changed since the manifests were "
                             "loaded; reload them to trust it");
          continue;
        }
        held = by_fingerprint_.emplace(k.fingerprint, std::move(*loaded)).first;
      }
      seen[k.fingerprint] = true;
      keys.push_back(held->second);
    }
  }
  auto out = make_key_set(std::move(keys));
  std::const_pointer_cast<TrustedKeySet>(out)->problems = std::move(problems);
  revision_ = set.revision();
  current_ = out;
  return out;
}

KeyProvider keys_from_policy(const trust::ActivePolicy& policy) {
  auto cache = std::make_shared<ManifestKeys>();
  return [&policy, cache] { return cache->keys_for(*policy.current()); };
}

KeyProvider keys_from_manifests(std::shared_ptr<const policy::ManifestSet> set) {
  auto cache = std::make_shared<ManifestKeys>();
  return [set, cache] { return cache->keys_for(*set); };
}

KeyProvider fixed_keys(std::vector<signing::PublicKey> keys) {
  auto set = make_key_set(std::move(keys));
  return [set] { return set; };
}

}  // namespace portcullis::proxy::signatures
