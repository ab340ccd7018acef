#include "proxy/registry/tag_memory.h"

namespace portcullis::proxy::registry {

void TagMemory::remember(const std::string& name, const std::string& tag,
                         const std::string& digest) {
  std::lock_guard lock(mutex_);
  auto key = name + "@" + digest;
  auto [it, inserted] = tags_.insert_or_assign(key, tag);
  if (!inserted) return;
  order_.push_back(std::move(key));
  if (order_.size() > capacity_) {
    tags_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<std::string> TagMemory::tag_for(const std::string& name,
                                              const std::string& digest) const {
  std::lock_guard lock(mutex_);
  auto it = tags_.find(name + "@" + digest);
  if (it == tags_.end()) return std::nullopt;
  return it->second;
}

}  // namespace portcullis::proxy::registry
