// The pure half of a review: which distinct images to ask the judge about,
// and, from the judgements, the decision the API server gets (allowed, the
// denial of every refused image, audit warnings, digest pins). No I/O.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "policy/image_reference.h"
#include "proxy/admission/pod_spec.h"
#include "proxy/judge/image_judge.h"

namespace portcullis::proxy::admission {

// One distinct image of a review (containers naming the same normalised
// reference share it, so it is judged once).
struct PlannedImage {
  std::string written;                              // as the first container that names it wrote it
  std::optional<policy::ImageReference> reference;  // nullopt: did not parse
  std::string parse_error;
  std::vector<size_t> containers;  // indexes into ReviewPlan::containers
};

struct ReviewPlan {
  std::vector<ContainerImage> containers;  // the containers whose image is judged
  std::vector<PlannedImage> images;
};

// Normalises every image (policy::parse_image_reference: "nginx" is
// docker.io/library/nginx:latest) and groups containers by reference.
ReviewPlan plan_review(std::vector<ContainerImage> containers);

// What the judge is asked for a planned image that parsed.
judge::JudgeRequest judge_request(const policy::ImageReference& reference,
                                  std::optional<std::string> namespace_name,
                                  std::chrono::steady_clock::time_point deadline);

// The judgement an image that did not parse gets (Outcome::invalid_reference).
judge::Judgement invalid_reference(const PlannedImage& image);
// The judgement an image gets when the judge had not answered at the deadline.
judge::Judgement missed_deadline(const PlannedImage& image, std::chrono::milliseconds deadline);

// How one judgement is taken at deploy time:
// - judged: the verdict decides; audit reasons are warnings;
// - invalid_reference: denied;
// - timed_out, unavailable: the verdict's failure_policy decides (Fail:
//   denied with what went wrong; Ignore: allowed with it as a warning),
//   unless the reference rules already deny or no manifest applies;
// - not_found, unknown_registry: denied only if an applicable manifest
//   needs facts that cannot be had; else the reference verdict decides.
struct ImageDecision {
  bool allowed = true;
  std::string denial;  // judge::denial_message text when denied
  std::vector<std::string> warnings;
  bool pin = false;  // allowed, a manifest asks for pinning, and the digest is known
};
ImageDecision decide_image(const judge::Judgement& judgement);

struct ReviewDecision {
  bool allowed = true;
  std::vector<std::string> denials;                 // one sentence per denied image, in spec order
  nlohmann::json causes = nlohmann::json::array();  // metav1.StatusCause per denied container
  std::vector<std::string> warnings;                // distinct, bounded
  nlohmann::json patch = nlohmann::json::array();   // RFC 6902 ops (mutate only)
};

inline constexpr size_t kMaxWarnings = 64;

// The two webhooks split the work: the validating one enforces (and may not
// patch); the mutating one only pins digests and always allows, so a denial
// and its warnings are reported once, by the validating webhook, on the
// object as it is after every mutation.
enum class Webhook { validate, mutate };

// `judgements[i]` belongs to `plan.images[i]`.
// validate: allowed unless an image is denied; audit warnings; a warning for
//   an image by tag that a pinDigests manifest covers (the mutating webhook
//   should have pinned it).
// mutate: allowed; a "replace" op per container of an allowed, pinnable
//   image given by tag.
ReviewDecision decide_review(const ReviewPlan& plan,
                             const std::vector<judge::Judgement>& judgements, Webhook webhook);

// "nginx:1.25" -> "nginx:1.25@sha256:..."; "nginx" -> "nginx:latest@sha256:...".
std::string pinned_image(const std::string& written, const policy::ImageReference& reference,
                         const std::string& digest);

}  // namespace portcullis::proxy::admission
