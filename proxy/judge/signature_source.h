// Where the judge gets signature facts for a digest: discovery (the cosign
// .sig tag and OCI referrers), fetch and verification against the trusted
// keys of the manifests in force, cached per digest. Implemented in
// proxy/signatures/ over the upstream client.
#pragma once

#include <string>

#include "policy/facts.h"
#include "proxy/assessment/error.h"
#include "proxy/net/asio.h"

namespace portcullis::proxy::registry {
struct UpstreamRuntime;
}

namespace portcullis::proxy::judge {

class SignatureSource {
 public:
  virtual ~SignatureSource() = default;
  // Verified signature facts for `digest` in `repository` at `upstream`.
  // A failure means "could not ask" (upstream down), never "unsigned".
  virtual awaitable<assessment::Result<policy::SignatureFacts>> signatures(
      registry::UpstreamRuntime& upstream, std::string repository, std::string digest) = 0;
};

}  // namespace portcullis::proxy::judge
