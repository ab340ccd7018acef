// The public keys signatures are verified against: every key that a Trust
// Manifest in force names and that loaded (policy::SigningKey::fingerprint
// set by proxy/trust/manifest_files). The evaluator then decides which of
// them count for which repository; verification only says who signed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "policy/manifest_set.h"
#include "signing/keys.h"

namespace portcullis::proxy::trust {
class ActivePolicy;
}

namespace portcullis::proxy::signatures {

struct TrustedKeySet {
  std::vector<signing::PublicKey> keys;
  // The sorted fingerprints, joined: facts verified under one id stay valid
  // while the id is the same.
  std::string id;
  // Keys named by a manifest that could not be used now (the file changed
  // since the manifests were loaded, or vanished).
  std::vector<std::string> problems;
};

using KeyProvider = std::function<std::shared_ptr<const TrustedKeySet>()>;

// Loads the PEM files of a ManifestSet's keys once per policy revision; a
// key is read again only when a new fingerprint appears. Thread-safe.
class ManifestKeys {
 public:
  std::shared_ptr<const TrustedKeySet> keys_for(const policy::ManifestSet& set);

 private:
  std::mutex mutex_;
  std::string revision_;
  std::shared_ptr<const TrustedKeySet> current_;
  std::map<std::string, signing::PublicKey> by_fingerprint_;
};

// Keys of the manifests in force, following reloads.
KeyProvider keys_from_policy(const trust::ActivePolicy& policy);
// Keys of a fixed manifest set (tests, the CLI).
KeyProvider keys_from_manifests(std::shared_ptr<const policy::ManifestSet> set);
// Exactly these keys (the CLI's --key).
KeyProvider fixed_keys(std::vector<signing::PublicKey> keys);

std::shared_ptr<const TrustedKeySet> make_key_set(std::vector<signing::PublicKey> keys);

}  // namespace portcullis::proxy::signatures
