#include "proxy/registry/blob_grants.h"

namespace portcullis::proxy::registry {

void BlobGrants::grant(const std::string& repository, const std::vector<std::string>& digests) {
  std::lock_guard lock(mutex_);
  for (const auto& d : digests) {
    auto key = repository + "@" + d;
    if (auto it = grants_.find(key); it != grants_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      continue;
    }
    order_.push_front(key);
    grants_.emplace(std::move(key), order_.begin());
  }
  while (grants_.size() > capacity_) {
    grants_.erase(order_.back());
    order_.pop_back();
  }
}

bool BlobGrants::granted(const std::string& repository, const std::string& digest) {
  std::lock_guard lock(mutex_);
  auto it = grants_.find(repository + "@" + digest);
  if (it == grants_.end()) return false;
  order_.splice(order_.begin(), order_, it->second);
  return true;
}

size_t BlobGrants::size() const {
  std::lock_guard lock(mutex_);
  return grants_.size();
}

}  // namespace portcullis::proxy::registry
