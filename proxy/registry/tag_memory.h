// Which tag each digest was reached through, per repository, so that
// containerd's follow-up GET by digest is judged with the tag the user asked
// for (version rules need it); a digest never seen is judged on its
// repository alone. Bounded; the oldest entries are forgotten first.
#pragma once

#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace portcullis::proxy::registry {

class TagMemory {
 public:
  explicit TagMemory(size_t capacity = 100'000) : capacity_(capacity) {}
  void remember(const std::string& name, const std::string& tag, const std::string& digest);
  std::optional<std::string> tag_for(const std::string& name, const std::string& digest) const;

 private:
  size_t capacity_;
  mutable std::mutex mutex_;
  std::list<std::string> order_;                       // oldest first, for eviction
  std::unordered_map<std::string, std::string> tags_;  // name@digest -> tag
};

}  // namespace portcullis::proxy::registry
