#include "proxy/registry/pull_gate.h"

#include "policy/image_reference.h"
#include "proxy/oci/route.h"

namespace portcullis::proxy::registry {

void TagMemory::remember(const std::string& name, const std::string& tag, const std::string& digest) {
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

std::optional<std::string> TagMemory::tag_for(const std::string& name, const std::string& digest) const {
  std::lock_guard lock(mutex_);
  auto it = tags_.find(name + "@" + digest);
  if (it == tags_.end()) return std::nullopt;
  return it->second;
}

GateDecision PullGate::judge(const std::string& registry, const std::string& repository,
                             const std::string& reference) const {
  GateDecision d;
  auto ref = policy::make_image_reference(registry, repository, reference);
  if (!ref) {
    d.allowed = false;
    d.invalid_reference = true;
    d.message = "invalid image reference: " + ref.error();
    return d;
  }
  policy::EvaluationRequest req;
  req.image = *ref;
  req.stage = policy::Stage::Pull;
  req.cluster = cluster_;
  req.now = std::chrono::system_clock::now();
  req.rules = policy::RuleSet::ReferenceOnly;
  if (!ref->digest.empty()) {
    if (auto tag = tags_.tag_for(ref->name(), ref->digest)) req.image.tag = *tag;
    else req.untagged_judged_on_repository = true;
  }
  d.image = req.image.to_string();
  const auto verdict = policy::evaluate(*policy_.current(), req);
  d.allowed = verdict.allowed;
  d.detail = nlohmann::json::array();
  std::string reasons;
  for (const auto& r : verdict.reasons) {
    d.detail.push_back({{"manifest", r.manifest}, {"rule", r.rule}, {"message", r.message}, {"enforced", r.enforced}});
    const auto line = r.manifest + " (" + r.rule + "): " + r.message;
    if (r.enforced) reasons += (reasons.empty() ? "" : "; ") + line;
    else d.warnings.push_back("audit " + line);
  }
  if (!d.allowed) d.message = "image " + d.image + " is denied by policy: " + reasons;
  return d;
}

}  // namespace portcullis::proxy::registry
