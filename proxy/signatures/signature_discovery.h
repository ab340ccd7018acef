// Finds and fetches the cosign signatures of one manifest digest at an
// upstream: the sha256-<hex>.sig tag and, where the registry has the OCI 1.1
// API, its referrers. Each signature manifest and payload is bounded before
// it is requested, so a manifest that points at a huge blob costs nothing
// but a rejection reason. What it returns is the input of
// signing::assess_signatures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "proxy/signatures/registry_client.h"
#include "signing/assess.h"
#include "signing/discovery.h"

namespace portcullis::proxy::signatures {

struct DiscoveryOptions {
  signing::DiscoveryLimits limits;
  // Payload blobs fetched per discovery, over every source; the rest are
  // rejected with a reason.
  size_t max_payload_fetches = 64;
  // false: keep the referrer sources of `previous` (if any) without asking.
  bool query_referrers = true;
};

struct Discovered {
  std::string signature_tag;              // sha256-<hex>.sig
  std::optional<std::string> tag_digest;  // of the .sig manifest; nullopt: no such tag
  // nullopt: not asked or the registry has no referrers API; else the sha256
  // of the index it answered.
  std::optional<std::string> referrers_digest;
  bool referrers_supported = false;
  std::vector<signing::SignatureSource> sources;  // tag first, then referrers
  size_t requests = 0;                            // upstream requests made
};

// A failure means the upstream could not be asked (down, refused our
// credentials, answered 5xx): never "unsigned". Payloads and referrer
// manifests already held by `previous` (for the same digest) are reused
// instead of fetched again: both are content-addressed.
awaitable<Result<Discovered>> discover_signatures(RegistryClient& client, std::string digest,
                                                  DiscoveryOptions options,
                                                  const Discovered* previous = nullptr);

}  // namespace portcullis::proxy::signatures
