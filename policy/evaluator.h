// Evaluation: a pure function of (manifests x image reference x scope x
// facts) -> verdict. No I/O, no clock (the caller passes `now`), thread-safe
// on a shared const ManifestSet.
//
// Semantics (Envoy-RBAC-like):
// - Every manifest whose scope matches applies; the image must satisfy all
//   of them. No manifest applies: allowed.
// - Within a manifest a deny entry beats an allow entry; an allow list
//   (registries.allow, images.allow), when present, is exhaustive.
// - Audit-mode violations are reported (Reason::enforced == false) but never
//   deny.
// - A rule that needs a fact that is missing (facts == nullptr, or the
//   optional section unset) is a violation, never a silent allow. An
//   assessment_error is a violation for each manifest that needs facts.
// - Namespaces: at pull and push time no namespace is known, so manifests
//   that list namespaces do not apply there; the admission webhook enforces
//   them at deploy time. Manifests without a namespace list apply always.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/facts.h"
#include "policy/facts_index.h"
#include "policy/image_reference.h"
#include "policy/manifest_set.h"

namespace portcullis::policy {

enum class Stage : uint8_t { Pull, Push, Deploy };
std::string_view to_string(Stage stage);

enum class RuleSet : uint8_t {
  All,            // every rule; facts-needing rules deny when facts are missing
  ReferenceOnly,  // registries and images rules only; the rest are skipped, not denied
};

struct EvaluationRequest {
  ImageReference image;  // normalised (parse_image_reference / make_image_reference)
  Stage stage = Stage::Pull;
  std::string cluster;                          // from the daemon config
  std::optional<std::string> namespace_name;    // deploy time only
  std::chrono::system_clock::time_point now{};  // for vulnerability exception expiry
  const ImageFacts* facts = nullptr;            // may be null
  // Optional, built from *facts (FactsIndex::build) and cached with them:
  // makes content and vulnerability rules fast. Same verdict without it.
  const FactsIndex* facts_index = nullptr;
  RuleSet rules = RuleSet::All;
  // An image with no tag (by-digest) cannot satisfy a version constraint.
  // Set this to judge such an image on its repository alone: version-
  // constrained allow entries then match on the repository and
  // version-constrained deny entries are skipped.
  bool untagged_judged_on_repository = false;
};

struct Reason {
  std::string manifest;  // "pci-production"
  std::string rule;      // "registries.deny", "content.deny/no-ssh-server", ...
  std::string message;   // a sentence naming the offending thing
  bool enforced = true;  // false: audit mode, a warning only
};

// Which facts the applicable manifests need; lets the caller skip work.
struct FactNeeds {
  bool content = false;
  bool signatures = false;
  bool vulnerabilities = false;
  bool any() const { return content || signatures || vulnerabilities; }
};

struct Verdict {
  bool allowed = true;
  std::vector<Reason> reasons;         // in manifest-name order, then rule order
  std::vector<std::string> manifests;  // names of the manifests that applied
  FactNeeds needs;
  bool pin_digests = false;  // some applicable manifest asks for digest pinning
  // Fail if any applicable enforce-mode manifest says failurePolicy: fail
  // (the default); Ignore when none applies or all say ignore.
  FailurePolicy failure_policy = FailurePolicy::Ignore;
  std::string policy_revision;

  bool has_warnings() const;
};

// At most this many reasons per rule and manifest; the rest are summarised
// in one "... and N more" reason.
inline constexpr size_t kMaxReasonsPerRule = 25;

Verdict evaluate(const ManifestSet& set, const EvaluationRequest& request);

}  // namespace portcullis::policy
