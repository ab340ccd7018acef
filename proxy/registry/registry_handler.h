// The OCI distribution API as a proxy: resolves the upstream, authenticates
// the client, and forwards each request to the upstream registry, relaying
// bodies byte for byte.
#pragma once

#include <boost/url.hpp>

#include <memory>

#include "proxy/auth/htpasswd.h"
#include "proxy/http/exchange.h"
#include "proxy/oci/route.h"
#include "proxy/registry/pull_gate.h"
#include "proxy/registry/upstreams.h"

namespace portcullis::proxy::registry {

struct Forward {
  const oci::Route& route;
  const oci::Addressed& addressed;
  UpstreamRuntime& upstream;
  boost::urls::url upstream_target;
  std::string scopes;
  std::vector<std::string> warnings;  // audit findings, sent as Warning headers
  std::string resolved_digest;         // Docker-Content-Digest of a 200 manifest response
};

class RegistryHandler : public Handler {
 public:
  RegistryHandler(Upstreams& upstreams, const auth::Htpasswd* client_auth, const config::DaemonConfig& config,
                  PullGate* gate);

  awaitable<void> handle(Exchange& ex) override;

 private:
  awaitable<void> forward(Exchange& ex, Forward& fwd);
  awaitable<void> reply_unauthorized(Exchange& ex);
  awaitable<bool> verify_password(std::string authorization);

  Upstreams& upstreams_;
  const auth::Htpasswd* client_auth_;
  const config::DaemonConfig& config_;
  PullGate* gate_;  // null: no Trust Manifests
  asio::thread_pool bcrypt_pool_{1};
};

// The token scopes a request needs at the upstream.
std::string scopes_for(http::verb method, const oci::Route& route, std::string_view repository,
                       std::string_view mount_from);

}  // namespace portcullis::proxy::registry
