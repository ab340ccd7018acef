#include "proxy/registry/push_policy.h"

#include "proxy/oci/route.h"
#include "proxy/signatures/push_signer.h"

namespace portcullis::proxy::registry {
namespace {

awaitable<void> judge_in_background(judge::UpstreamImageJudge& judge, events::DecisionLog* events,
                                    UpstreamRuntime& upstream, judge::JudgeRequest request) {
  auto judging = judge.judge_at(upstream, std::move(request));  // named: GCC 12 (see README)
  auto judgement = co_await std::move(judging);
  if (events) events->record(events::event_for(judgement, policy::Stage::Push, "push"));
}

}  // namespace

bool is_attachment_tag(std::string_view tag) {
  if (!tag.starts_with("sha256-") || tag.size() < 7 + 64) return false;
  const auto suffix = tag.substr(7 + 64);
  return suffix == ".sig" || suffix == ".att" || suffix == ".sbom";
}

awaitable<std::vector<std::string>> PushPolicy::manifest_pushed(UpstreamRuntime& upstream,
                                                                std::string repository,
                                                                std::string reference,
                                                                std::string digest) {
  judge::JudgeRequest request;
  request.registry = upstream.config.name;
  request.repository = std::move(repository);
  request.digest = std::move(digest);
  request.stage = policy::Stage::Push;
  if (!oci::is_digest(reference))
    request.tag = std::move(reference);
  else
    request.untagged_judged_on_repository = true;

  if (signer_ && signer_->applies_to(request.repository) && !is_attachment_tag(request.tag)) {
    request.assumed_signatures.push_back(
        signer_->prospective_signature(upstream.config.name + "/" + request.repository));
    auto signing = judge_and_sign(upstream, std::move(request));
    co_return co_await std::move(signing);
  }
  // Not awaited: the push is answered now; the facts land in the cache shortly after.
  auto executor = co_await asio::this_coro::executor;
  auto work = judge_in_background(judge_, events_, upstream, std::move(request));
  asio::co_spawn(executor, std::move(work), asio::detached);
  co_return std::vector<std::string>{};
}

awaitable<std::vector<std::string>> PushPolicy::judge_and_sign(UpstreamRuntime& upstream,
                                                               judge::JudgeRequest request) {
  std::vector<std::string> warnings;
  const std::string repository = request.repository;
  auto judging = judge_.judge_at(upstream, std::move(request));  // named: GCC 12 (see README)
  auto judgement = co_await std::move(judging);
  auto event = events::event_for(judgement, policy::Stage::Push, "sign");
  if (!judgement.allowed()) {
    const auto why = judge::denial_message(judgement);
    warnings.push_back("not signed: " + why);
    event.decision = "not-signed";
    event.message = why;
    if (events_) events_->record(event);
    co_return warnings;
  }
  if (judgement.assessment && judge::is_artifact(*judgement.assessment))
    co_return warnings;  // a signature or other attachment: nothing to sign
  auto signing = signer_->sign(upstream, repository, judgement.digest,
                               upstream.config.name + "/" + repository);
  auto outcome = co_await std::move(signing);
  if (outcome.ok()) {
    event.decision = "signed";
    event.message = outcome.signature_tag + " (key " + outcome.key_fingerprint.substr(0, 16) + ")";
  } else {
    warnings.push_back("not signed: signing failed: " + outcome.error);
    event.decision = "not-signed";
    event.message = "signing failed: " + outcome.error;
  }
  if (events_) events_->record(event);
  co_return warnings;
}

}  // namespace portcullis::proxy::registry
