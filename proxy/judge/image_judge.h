// One question asked from three places (pull, push, deploy): is this image,
// as it is now, allowed here? The judge resolves a tag to a digest at the
// upstream, gathers the facts the applicable manifests need (content through
// the Assessor and its cache, signatures through a SignatureSource), and runs
// the pure evaluator. It never throws; every failure is an Outcome.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/evaluator.h"
#include "proxy/assessment/assessment.h"
#include "proxy/net/asio.h"

namespace portcullis::proxy::judge {

struct JudgeRequest {
  // The image as the client named it. `registry` is the host of the image
  // reference (admission) or the configured upstream name (proxy paths).
  std::string registry;
  std::string repository;  // without the registry: "team/app"
  std::string tag;         // may be empty
  std::string digest;      // may be empty; wins over tag for lookups
  policy::Stage stage = policy::Stage::Pull;
  std::optional<std::string> namespace_name;  // deploy time only
  // Work still running at the deadline is abandoned with Outcome::timed_out
  // (it keeps running and fills the cache for the next ask).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Proxy paths: the tag a by-digest request was reached through, if known.
  bool untagged_judged_on_repository = false;
  // Push with signing: judged as if these signatures were already there (the
  // one Portcullis is about to write), so `signatures.required` can allow it.
  std::vector<policy::VerifiedSignature> assumed_signatures;
};

enum class Outcome {
  judged,             // verdict is meaningful (allowed or not)
  invalid_reference,  // the name/tag/digest is malformed
  unknown_registry,   // allowed by reference rules, but no upstream serves it
  not_found,          // the upstream has no such manifest
  unavailable,        // the upstream could not be asked (down, credentials)
  timed_out,          // the deadline passed before a verdict
};

// For every outcome except invalid_reference, `verdict` holds at least the
// reference-only verdict (registries and images rules), so a caller always
// knows which manifests applied and their failure_policy: on timed_out or
// unavailable, a caller fails closed when verdict.failure_policy == Fail and
// open when it is Ignore. A reference-only denial is final: no upstream is asked.
struct Judgement {
  Outcome outcome = Outcome::judged;
  std::string image;   // the normalised reference judged, with the digest when known
  std::string digest;  // the manifest digest judged (resolved from the tag)
  policy::Verdict verdict;
  assessment::AssessmentPtr assessment;  // null when content was not assessed
  std::string error;                     // why, when outcome != judged

  bool allowed() const { return outcome == Outcome::judged && verdict.allowed; }
};

class ImageJudge {
 public:
  virtual ~ImageJudge() = default;
  virtual awaitable<Judgement> judge(JudgeRequest request) = 0;
};

// "pci-production (content.deny/no-ssh-server): no-ssh-server: /usr/sbin/sshd (...)"
// for each enforced reason, joined with "; ". The same text at pull, push and
// deploy time, so a user sees one reason wherever an image is refused.
std::string enforced_reasons(const policy::Verdict& verdict);
// "audit <manifest> (<rule>): <message>" for each audit-mode reason.
std::vector<std::string> audit_warnings(const policy::Verdict& verdict);
// The reasons as data, for JSON error details and admission status details.
nlohmann::json reasons_json(const policy::Verdict& verdict);
// The full sentence a denied image gets: "image <ref> is denied by policy: <reasons>",
// or, for outcomes other than judged, what went wrong.
std::string denial_message(const Judgement& judgement);

}  // namespace portcullis::proxy::judge
