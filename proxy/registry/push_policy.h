// What happens after CI pushes a manifest through the proxy: the image is
// judged at the push stage right away, so its facts are cached before the
// first node pulls it. (Signing on push hooks in here.)
#pragma once

#include "proxy/judge/upstream_image_judge.h"
#include "proxy/registry/registry_handler.h"

namespace portcullis::proxy::registry {

class PushPolicy final : public PushObserver {
 public:
  explicit PushPolicy(judge::UpstreamImageJudge& judge) : judge_(judge) {}

  awaitable<std::vector<std::string>> manifest_pushed(UpstreamRuntime& upstream, std::string repository,
                                                      std::string reference, std::string digest) override;

 private:
  judge::UpstreamImageJudge& judge_;
};

}  // namespace portcullis::proxy::registry
