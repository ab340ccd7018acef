// Strict blob gating: which blobs a client may pull from a repository. A
// blob is pullable only after a manifest in that repository that references
// it was allowed (and served) by this daemon, so knowing a denied image's
// layer digest is not enough to pull it. In memory, bounded (oldest grants
// are forgotten first; a client then fetches the manifest again).
#pragma once

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace portcullis::proxy::registry {

class BlobGrants {
 public:
  explicit BlobGrants(size_t capacity = 1'000'000) : capacity_(capacity) {}

  // `repository` is "<upstream>/<repository>", so grants never cross upstreams.
  void grant(const std::string& repository, const std::vector<std::string>& digests);
  bool granted(const std::string& repository, const std::string& digest);
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::mutex mutex_;
  std::list<std::string> order_;  // most recently granted or used first
  std::unordered_map<std::string, std::list<std::string>::iterator> grants_;
};

}  // namespace portcullis::proxy::registry
