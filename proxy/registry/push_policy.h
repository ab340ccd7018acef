// What happens after CI pushes a manifest through the proxy. The image is
// judged at the push stage: where a signing pattern covers the repository,
// before the client is answered (an allowed image is signed; a denied one is
// not, and the PUT response carries a Warning saying why); elsewhere in the
// background, so the facts are cached before the first node pulls.
// Signature artifacts (sha256-<hex>.sig and friends) are never signed.
#pragma once

#include "proxy/events/decision_log.h"
#include "proxy/judge/upstream_image_judge.h"
#include "proxy/registry/registry_handler.h"

namespace portcullis::proxy::signatures {
class PushSigner;
}

namespace portcullis::proxy::registry {

class PushPolicy final : public PushObserver {
 public:
  // `signer` and `events` may be null (no signing configured, no event store).
  PushPolicy(judge::UpstreamImageJudge& judge, signatures::PushSigner* signer,
             events::DecisionLog* events)
      : judge_(judge), signer_(signer), events_(events) {}

  awaitable<std::vector<std::string>> manifest_pushed(UpstreamRuntime& upstream,
                                                      std::string repository, std::string reference,
                                                      std::string digest) override;

 private:
  awaitable<std::vector<std::string>> judge_and_sign(UpstreamRuntime& upstream,
                                                     judge::JudgeRequest request);

  judge::UpstreamImageJudge& judge_;
  signatures::PushSigner* signer_;
  events::DecisionLog* events_;
};

// "sha256-<64 hex>.sig" / ".att" / ".sbom": the tags cosign-style tools attach to an image.
bool is_attachment_tag(std::string_view tag);

}  // namespace portcullis::proxy::registry
