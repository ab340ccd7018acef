#include "proxy/judge/upstream_image_judge.h"

#include "proxy/assessment/upstream_registry_reader.h"

namespace portcullis::proxy::judge {
namespace {

using assessment::Errc;
using Clock = std::chrono::steady_clock;

// Runs `op` to completion, or gives up waiting at `deadline` (the operation
// keeps running detached and fills the caches for the next ask). Callers run
// on one strand, so the state needs no lock.
template <class T>
awaitable<std::optional<T>> within(std::optional<Clock::time_point> deadline, awaitable<T> op) {
  if (!deadline) {
    T value = co_await std::move(op);
    co_return std::optional<T>(std::move(value));
  }
  auto executor = co_await asio::this_coro::executor;
  struct State {
    explicit State(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    std::optional<T> value;
    bool done = false;
  };
  auto state = std::make_shared<State>(executor);
  auto on_done = [state](std::exception_ptr e, T value) {
    if (!e) state->value = std::move(value);
    state->done = true;
    state->timer.cancel();
  };
  asio::co_spawn(executor, std::move(op), std::move(on_done));
  if (!state->done) {
    state->timer.expires_at(*deadline);
    co_await state->timer.async_wait(nothrow_awaitable);
  }
  co_return std::move(state->value);
}

Outcome outcome_for(Errc code) {
  switch (code) {
    case Errc::not_found:
      return Outcome::not_found;
    case Errc::invalid:
      return Outcome::invalid_reference;
    default:
      return Outcome::unavailable;
  }
}

std::string signature_key(const policy::SignatureFacts& s) {
  std::string key = std::to_string(s.discovered);
  for (const auto& v : s.verified)
    key += "|v" + v.key_fingerprint + "," + v.docker_reference + "," + v.source;
  for (const auto& r : s.rejected) key += "|r" + r;
  return key;
}

std::string platform_name(const assessment::IndexChild& child) {
  if (!child.platform) return child.descriptor.digest;
  std::string out = child.platform->os + "/" + child.platform->architecture;
  if (!child.platform->variant.empty()) out += "/" + child.platform->variant;
  return out;
}

}  // namespace

bool is_artifact(const assessment::Assessment& a) {
  if (a.manifest.kind != assessment::ManifestKind::image) return false;
  if (a.manifest.layers.empty()) return true;
  for (const auto& l : a.manifest.layers)
    if (is_filesystem_layer(l.media_type)) return false;
  return true;
}

bool is_filesystem_layer(std::string_view t) {
  return t.starts_with("application/vnd.oci.image.layer.") ||
         t.starts_with("application/vnd.docker.image.rootfs.diff.tar") ||
         t.starts_with("application/vnd.docker.image.rootfs.foreign.diff.tar");
}

UpstreamImageJudge::UpstreamImageJudge(trust::ActivePolicy& policy, std::string cluster,
                                       registry::Upstreams& upstreams,
                                       assessment::Assessor& assessor, asio::any_io_executor io,
                                       JudgeOptions options)
    : policy_(policy),
      cluster_(std::move(cluster)),
      upstreams_(upstreams),
      assessor_(assessor),
      io_(std::move(io)),
      options_(options),
      tags_(upstreams.pool(), options.tags),
      readers_(upstreams.size()) {}

std::shared_ptr<assessment::RegistryReader> UpstreamImageJudge::reader(
    registry::UpstreamRuntime& up) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < upstreams_.size(); ++i) {
    if (&upstreams_.at(i) != &up) continue;
    if (!readers_[i])
      readers_[i] = std::make_shared<assessment::UpstreamRegistryReader>(io_, up.origin, *up.auth,
                                                                         upstreams_.pool());
    return readers_[i];
  }
  return std::make_shared<assessment::UpstreamRegistryReader>(io_, up.origin, *up.auth,
                                                              upstreams_.pool());
}

std::shared_ptr<const policy::PreparedFacts> UpstreamImageJudge::prepared(
    const assessment::AssessmentPtr& a, const std::optional<policy::SignatureFacts>& sigs) {
  std::string key = a->facts.manifest_digest;
  if (sigs) key += "#" + signature_key(*sigs);
  {
    std::lock_guard lock(mutex_);
    if (auto it = prepared_index_.find(key); it != prepared_index_.end()) {
      prepared_.splice(prepared_.begin(), prepared_, it->second);
      return it->second->second;
    }
  }
  policy::ImageFacts facts = a->facts;
  if (sigs) facts.signatures = *sigs;
  auto built = std::make_shared<const policy::PreparedFacts>(std::move(facts));
  std::lock_guard lock(mutex_);
  if (prepared_index_.count(key)) return built;
  prepared_.emplace_front(key, built);
  prepared_index_[key] = prepared_.begin();
  while (prepared_.size() > options_.prepared_facts_cache) {
    prepared_index_.erase(prepared_.back().first);
    prepared_.pop_back();
  }
  return built;
}

policy::EvaluationRequest UpstreamImageJudge::base_request(
    const JudgeRequest& request, const policy::ImageReference& image) const {
  policy::EvaluationRequest req;
  req.image = image;
  req.stage = request.stage;
  req.cluster = cluster_;
  req.namespace_name = request.namespace_name;
  req.now = std::chrono::system_clock::now();
  req.untagged_judged_on_repository = request.untagged_judged_on_repository;
  return req;
}

awaitable<Judgement> UpstreamImageJudge::judge(JudgeRequest request) {
  const auto index = upstreams_.directory().find(request.registry);
  if (!index) {
    // Not served by any upstream: only the reference rules can speak, and an
    // allow there still cannot be verified.
    Judgement out;
    auto image =
        policy::make_image_reference(request.registry, request.repository,
                                     request.digest.empty() ? request.tag : request.digest);
    if (!image) {
      out.outcome = Outcome::invalid_reference;
      out.error = image.error();
      co_return out;
    }
    if (!request.digest.empty()) image->tag = request.tag;
    out.image = image->to_string();
    auto req = base_request(request, *image);
    req.rules = policy::RuleSet::ReferenceOnly;
    out.verdict = policy::evaluate(*policy_.current(), req);
    if (!out.verdict.allowed) co_return out;
    out.outcome = Outcome::unknown_registry;
    out.error = "registry " + image->registry + " is not a configured upstream (configured: " +
                upstreams_.directory().approved_list() + ")";
    co_return out;
  }
  auto judging = judge_at(upstreams_.at(*index), std::move(request));  // named: GCC 12 (see README)
  auto judgement = co_await std::move(judging);
  co_return judgement;
}

awaitable<Judgement> UpstreamImageJudge::judge_at(registry::UpstreamRuntime& up,
                                                  JudgeRequest request) {
  Judgement out;
  auto parsed = policy::make_image_reference(up.config.name, request.repository,
                                             request.digest.empty() ? request.tag : request.digest);
  if (!parsed) {
    out.outcome = Outcome::invalid_reference;
    out.error = parsed.error();
    co_return out;
  }
  policy::ImageReference image = *parsed;
  if (!request.digest.empty()) image.tag = request.tag;
  out.image = image.to_string();

  // Reference rules: a denial here is final and costs no upstream request.
  {
    auto req = base_request(request, image);
    req.rules = policy::RuleSet::ReferenceOnly;
    out.verdict = policy::evaluate(*policy_.current(), req);
    if (!out.verdict.allowed) co_return out;
  }

  std::string digest = request.digest;
  if (digest.empty()) {
    const bool use_cache = request.stage == policy::Stage::Deploy;
    auto resolving = tags_.resolve(up, request.repository, image.tag, use_cache);
    auto resolved = co_await within(request.deadline, std::move(resolving));
    if (!resolved) {
      out.outcome = Outcome::timed_out;
      out.error = "the tag was not resolved before the deadline";
      co_return out;
    }
    if (!*resolved) {
      out.outcome = outcome_for(resolved->error().code);
      out.error = resolved->error().message;
      co_return out;
    }
    digest = **resolved;
  }
  out.digest = digest;
  image.digest = digest;
  out.image = image.to_string();
  auto judging = judge_digest(up, request, std::move(image), std::move(out));  // named: GCC 12
  auto judgement = co_await std::move(judging);
  co_return judgement;
}

awaitable<Judgement> UpstreamImageJudge::judge_digest(registry::UpstreamRuntime& up,
                                                      const JudgeRequest& request,
                                                      policy::ImageReference image, Judgement out) {
  auto assessing =
      assessor_.async_assess(up.origin.key(), request.repository, out.digest, reader(up));
  auto assessed = co_await within(request.deadline, std::move(assessing));
  if (!assessed) {
    out.outcome = Outcome::timed_out;
    out.error = "its content assessment did not finish before the deadline";
    co_return out;
  }
  if (!*assessed) {
    out.outcome = outcome_for(assessed->error().code);
    out.error = assessed->error().message;
    co_return out;
  }
  out.assessment = **assessed;
  const auto& a = *out.assessment;

  if (a.manifest.kind == assessment::ManifestKind::index) {
    // Reference verdict stands at pull time; children are judged when asked for.
    if (request.stage != policy::Stage::Pull) {
      auto children = judge_children(up, request, image, out);
      co_await std::move(children);
    }
    co_return out;
  }
  if (is_artifact(a)) co_return out;  // no filesystem: nothing for content rules to see

  std::optional<policy::SignatureFacts> sigs;
  if (out.verdict.needs.signatures && signatures_) {
    auto fetching = signatures_->signatures(up, request.repository, out.digest);
    auto fetched = co_await within(request.deadline, std::move(fetching));
    if (!fetched) {
      out.outcome = Outcome::timed_out;
      out.error = "its signatures were not verified before the deadline";
      co_return out;
    }
    if (!*fetched) {
      out.outcome = Outcome::unavailable;
      out.error = "its signatures could not be fetched: " + fetched->error().message;
      co_return out;
    }
    sigs = std::move(**fetched);
  }
  if (out.verdict.needs.signatures && !request.assumed_signatures.empty()) {
    if (!sigs) sigs.emplace();
    for (const auto& assumed : request.assumed_signatures) sigs->verified.push_back(assumed);
  }
  auto facts = prepared(out.assessment, sigs);
  auto req = base_request(request, image);
  req.facts = &facts->facts;
  req.facts_index = &facts->index;
  out.verdict = policy::evaluate(*policy_.current(), req);
  co_return out;
}

awaitable<void> UpstreamImageJudge::judge_children(registry::UpstreamRuntime& up,
                                                   const JudgeRequest& request,
                                                   const policy::ImageReference& image,
                                                   Judgement& out) {
  std::vector<assessment::IndexChild> children;
  for (const auto& c : out.assessment->manifest.children)
    if (!c.platform || c.platform->os != "unknown")
      children.push_back(c);  // skip attestation manifests
  if (children.size() > options_.max_index_children) {
    out.verdict.allowed = false;
    out.verdict.reasons.push_back({"portcullis", "index.children",
                                   "the index has " + std::to_string(children.size()) +
                                       " platform manifests, more than the limit of " +
                                       std::to_string(options_.max_index_children),
                                   true});
    co_return;
  }
  policy::Verdict combined = out.verdict;
  for (const auto& child : children) {
    JudgeRequest child_request = request;
    child_request.digest = child.descriptor.digest;
    policy::ImageReference child_image = image;
    child_image.digest = child.descriptor.digest;
    Judgement child_out;
    child_out.digest = child.descriptor.digest;
    child_out.image = child_image.to_string();
    child_out.verdict = out.verdict;
    auto judging =
        judge_digest(up, child_request, child_image, std::move(child_out));  // named: GCC 12
    auto judged = co_await std::move(judging);
    const std::string prefix = "[" + platform_name(child) + "] ";
    if (judged.outcome != Outcome::judged) {
      out.outcome = judged.outcome;
      out.error = prefix + judged.error;
      co_return;
    }
    if (!judged.verdict.allowed) combined.allowed = false;
    for (auto r : judged.verdict.reasons) {
      r.message = prefix + r.message;
      combined.reasons.push_back(std::move(r));
    }
    combined.needs.content |= judged.verdict.needs.content;
    combined.needs.signatures |= judged.verdict.needs.signatures;
    combined.needs.vulnerabilities |= judged.verdict.needs.vulnerabilities;
  }
  out.verdict = std::move(combined);
}

}  // namespace portcullis::proxy::judge
