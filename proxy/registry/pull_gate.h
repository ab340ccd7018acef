// Pull-time enforcement of the Trust Manifests' registry and image rules at
// the tag-resolving request (HEAD/GET of a manifest). Remembers which digest
// each tag resolved to, so containerd's follow-up GET by digest is judged
// with the same tag; a digest never seen is judged on its repository alone.
#pragma once

#include <nlohmann/json.hpp>

#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/evaluator.h"
#include "proxy/trust/active_policy.h"

namespace portcullis::proxy::registry {

class TagMemory {
 public:
  explicit TagMemory(size_t capacity = 100'000) : capacity_(capacity) {}
  void remember(const std::string& name, const std::string& tag, const std::string& digest);
  std::optional<std::string> tag_for(const std::string& name, const std::string& digest) const;

 private:
  size_t capacity_;
  mutable std::mutex mutex_;
  std::list<std::string> order_;  // oldest first, for eviction
  std::unordered_map<std::string, std::string> tags_;  // name@digest -> tag
};

struct GateDecision {
  bool allowed = true;
  bool invalid_reference = false;
  std::string image;                  // the normalised reference judged
  std::string message;                // for the DENIED body
  nlohmann::json detail;              // reasons as data
  std::vector<std::string> warnings;  // audit-mode findings
};

class PullGate {
 public:
  PullGate(trust::ActivePolicy& policy, std::string cluster) : policy_(policy), cluster_(std::move(cluster)) {}

  GateDecision judge(const std::string& registry, const std::string& repository, const std::string& reference) const;
  void remember(const std::string& registry, const std::string& repository, const std::string& tag,
                const std::string& digest) {
    tags_.remember(registry + "/" + repository, tag, digest);
  }

 private:
  trust::ActivePolicy& policy_;
  std::string cluster_;
  TagMemory tags_;
};

}  // namespace portcullis::proxy::registry
