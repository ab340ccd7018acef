// The OCI distribution API as a proxy: resolves the upstream, authenticates
// the client, and forwards each request to the upstream registry, relaying
// bodies byte for byte.
#pragma once

#include <boost/url.hpp>

#include <memory>

#include "proxy/auth/htpasswd.h"
#include "proxy/http/exchange.h"
#include "proxy/oci/route.h"
#include "proxy/registry/blob_grants.h"
#include "proxy/registry/tag_memory.h"
#include "proxy/registry/upstreams.h"
#include "proxy/store/manifest_store.h"

namespace portcullis::proxy::events {
class DecisionLog;
}
namespace portcullis::proxy::judge {
class UpstreamImageJudge;
struct Judgement;
}  // namespace portcullis::proxy::judge

namespace portcullis::proxy::registry {

struct Forward {
  const oci::Route& route;
  const oci::Addressed& addressed;
  UpstreamRuntime& upstream;
  boost::urls::url upstream_target;
  std::string scopes;
  std::vector<std::string> warnings;  // audit findings, sent as Warning headers
  std::string resolved_digest;        // Docker-Content-Digest of a 200 manifest response
};

// Told of every manifest the upstream accepted through the proxy, before the
// client gets the answer (push-time assessment and signing).
class PushObserver {
 public:
  virtual ~PushObserver() = default;
  // Returns Warning texts for the PUT response.
  virtual awaitable<std::vector<std::string>> manifest_pushed(UpstreamRuntime& upstream,
                                                              std::string repository,
                                                              std::string reference,
                                                              std::string digest) = 0;
};

// What the handler enforces. All null: a plain proxy.
struct RegistryGates {
  judge::UpstreamImageJudge* judge = nullptr;  // manifests are judged before they are served
  store::ManifestStore* manifests = nullptr;   // judged manifests are served from here
  BlobGrants* blobs = nullptr;                 // strictBlobs: blobs only of allowed manifests
  PushObserver* push = nullptr;
  events::DecisionLog* events = nullptr;  // pull denials go here
};

class RegistryHandler : public Handler {
 public:
  RegistryHandler(Upstreams& upstreams, const auth::Htpasswd* client_auth,
                  const config::DaemonConfig& config, RegistryGates gates);

  awaitable<void> handle(Exchange& ex) override;

 private:
  awaitable<void> forward(Exchange& ex, Forward& fwd);
  // Manifest GET/HEAD under the judge: judged, then served from the store.
  awaitable<void> judged_manifest(Exchange& ex, Forward& fwd);
  awaitable<void> deny_judgement(Exchange& ex, const judge::Judgement& j);
  awaitable<bool> serve_stored_manifest(Exchange& ex, const std::string& digest,
                                        const std::vector<std::string>& warnings);
  awaitable<void> reply_unauthorized(Exchange& ex);
  awaitable<bool> verify_password(std::string authorization);

  Upstreams& upstreams_;
  const auth::Htpasswd* client_auth_;
  const config::DaemonConfig& config_;
  RegistryGates gates_;
  TagMemory tags_;
  asio::thread_pool bcrypt_pool_{1};
};

// The token scopes a request needs at the upstream.
std::string scopes_for(http::verb method, const oci::Route& route, std::string_view repository,
                       std::string_view mount_from);

}  // namespace portcullis::proxy::registry
