// GET /api/policy: the Trust Manifest revision in force, its manifests and
// files, and why the latest reload was refused (if it was).
#pragma once

#include "proxy/http/exchange.h"
#include "proxy/trust/active_policy.h"

namespace portcullis::proxy::api {

class PolicyHandler : public Handler {
 public:
  explicit PolicyHandler(trust::ActivePolicy& policy) : policy_(policy) {}
  awaitable<void> handle(Exchange& ex) override;

 private:
  trust::ActivePolicy& policy_;
};

}  // namespace portcullis::proxy::api
