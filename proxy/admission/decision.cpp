#include "proxy/admission/decision.h"

#include <map>
#include <unordered_set>

namespace portcullis::proxy::admission {

namespace {

using judge::Judgement;
using judge::Outcome;

// "registry/repo:tag" written without a tag? (a ':' after the last '/' is a tag, or a port
// when there is no '/').
bool has_tag(std::string_view written) {
  const auto at = written.find('@');
  const auto name = written.substr(0, at);
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  return colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
}

}  // namespace

ReviewPlan plan_review(std::vector<ContainerImage> containers) {
  ReviewPlan plan;
  plan.containers = std::move(containers);
  std::map<std::string, size_t> by_key;  // normalised reference (or the text, if invalid) -> image
  for (size_t i = 0; i < plan.containers.size(); ++i) {
    const auto& written = plan.containers[i].image;
    auto parsed = policy::parse_image_reference(written);
    const std::string key = parsed ? "ok:" + parsed->to_string() : "bad:" + written;
    auto [it, fresh] = by_key.try_emplace(key, plan.images.size());
    if (fresh) {
      PlannedImage image;
      image.written = written;
      if (parsed)
        image.reference = std::move(*parsed);
      else
        image.parse_error = parsed.error();
      plan.images.push_back(std::move(image));
    }
    plan.images[it->second].containers.push_back(i);
  }
  return plan;
}

judge::JudgeRequest judge_request(const policy::ImageReference& reference,
                                  std::optional<std::string> namespace_name,
                                  std::chrono::steady_clock::time_point deadline) {
  judge::JudgeRequest request;
  request.registry = reference.registry;
  request.repository = reference.repository;
  request.tag = reference.tag;
  request.digest = reference.digest;
  request.stage = policy::Stage::Deploy;
  request.namespace_name = std::move(namespace_name);
  request.deadline = deadline;
  return request;
}

Judgement invalid_reference(const PlannedImage& image) {
  Judgement j;
  j.outcome = Outcome::invalid_reference;
  j.image = image.written;
  j.error = image.parse_error;
  return j;
}

Judgement missed_deadline(const PlannedImage& image, std::chrono::milliseconds deadline) {
  Judgement j;
  j.outcome = Outcome::timed_out;
  j.image = image.reference ? image.reference->to_string() : image.written;
  j.error =
      "no verdict within the admission deadline of " + std::to_string(deadline.count()) + " ms";
  // Which manifests apply is unknown without the judge's answer: fail closed.
  j.verdict.failure_policy = policy::FailurePolicy::Fail;
  return j;
}

ImageDecision decide_image(const Judgement& j) {
  ImageDecision d;
  const auto& v = j.verdict;
  const auto deny = [&d](std::string why) {
    d.allowed = false;
    d.denial = std::move(why);
  };
  if (j.outcome == Outcome::invalid_reference) {
    // parse_image_reference's error already starts with "invalid image reference".
    deny(j.error.starts_with("invalid image reference") ? j.error : judge::denial_message(j));
    return d;
  }
  d.warnings = judge::audit_warnings(v);
  if (j.outcome == Outcome::judged) {
    if (!v.allowed)
      deny(judge::denial_message(j));
    else
      d.pin = v.pin_digests && !j.digest.empty();
    return d;
  }
  if (!v.allowed) {  // the reference rules deny: final, whatever else went wrong
    Judgement as_judged = j;
    as_judged.outcome = Outcome::judged;
    deny(judge::denial_message(as_judged));
    return d;
  }
  // No manifest applies (the judge reports Ignore then): nothing to enforce.
  if (v.manifests.empty() && v.failure_policy == policy::FailurePolicy::Ignore) return d;
  if (j.outcome == Outcome::timed_out || j.outcome == Outcome::unavailable) {
    if (v.failure_policy == policy::FailurePolicy::Fail)
      deny(judge::denial_message(j));
    else
      d.warnings.push_back(judge::denial_message(j) + " (allowed: failurePolicy is ignore)");
    return d;
  }
  // not_found, unknown_registry: facts that a manifest needs cannot be had.
  if (v.needs.any()) deny(judge::denial_message(j));
  return d;
}

std::string pinned_image(const std::string& written, const policy::ImageReference& reference,
                         const std::string& digest) {
  std::string name = written.substr(0, written.find('@'));
  if (!has_tag(name) && !reference.tag.empty()) name += ":" + reference.tag;
  return name + "@" + digest;
}

ReviewDecision decide_review(const ReviewPlan& plan, const std::vector<Judgement>& judgements,
                             Webhook webhook) {
  ReviewDecision out;
  std::unordered_set<std::string> warned;
  const auto warn = [&](std::string w) {
    if (out.warnings.size() < kMaxWarnings && warned.insert(w).second)
      out.warnings.push_back(std::move(w));
  };
  for (size_t i = 0; i < plan.images.size() && i < judgements.size(); ++i) {
    const auto& image = plan.images[i];
    const auto& judgement = judgements[i];
    auto d = decide_image(judgement);
    const bool by_tag = image.reference && image.reference->digest.empty();
    if (webhook == Webhook::mutate) {
      if (d.allowed && d.pin && by_tag)
        for (size_t c : image.containers) {
          const auto& container = plan.containers[c];
          out.patch.push_back(
              {{"op", "replace"},
               {"path", container.pointer},
               {"value", pinned_image(container.image, *image.reference, judgement.digest)}});
        }
      continue;
    }
    for (auto& w : d.warnings) warn(std::move(w));
    if (!d.allowed) {
      out.allowed = false;
      for (size_t c : image.containers)
        out.causes.push_back({{"reason", "FieldValueForbidden"},
                              {"message", d.denial},
                              {"field", plan.containers[c].field}});
      out.denials.push_back(std::move(d.denial));
    } else if (d.pin && by_tag) {
      warn("image " + image.reference->to_string() +
           " is not pinned to a digest although a manifest asks for pinDigests (the mutating "
           "webhook "
           "pins it)");
    }
  }
  return out;
}

}  // namespace portcullis::proxy::admission
