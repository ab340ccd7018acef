// Finding cosign signatures for a manifest digest, from bytes the proxy
// fetched: the "sha256-<hex>.sig" tag scheme and OCI 1.1 referrers. Every
// bound is checked on descriptors, so nothing oversized is ever fetched.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signing/payload.h"
#include "signing/result.h"

namespace portcullis::signing {

struct DiscoveryLimits {
  size_t max_manifest_bytes = 4 * 1024 * 1024;  // signature manifest or referrers index
  size_t max_signatures = 32;                   // signature layers examined per manifest
  size_t max_payload_bytes = kMaxPayloadBytes;  // a payload blob's declared size
  size_t max_signature_chars = 8192;            // the base64 annotation's length
  size_t max_referrers = 64;                    // cosign signature referrers taken from an index
};

// "sha256:<hex>" -> "sha256-<hex>.sig". Fails for anything but a sha256 digest.
Result<std::string> signature_tag_for(std::string_view manifest_digest);

// One signature layer of a signature manifest, checked against the limits but
// not yet fetched: fetch payload_digest (at most payload_size bytes).
struct SignatureLayer {
  std::string media_type;      // application/vnd.dev.cosign.simplesigning.v1+json
  std::string payload_digest;  // sha256:... of the payload blob
  uint64_t payload_size = 0;
  std::string signature_base64;                    // dev.cosignproject.cosign/signature
  std::map<std::string, std::string> annotations;  // all of the layer's annotations
};

struct SignatureManifest {
  std::vector<SignatureLayer> signatures;  // layers to fetch and verify
  // Signature layers refused without fetching (each reason names the layer),
  // including any beyond limits.max_signatures.
  std::vector<std::string> rejected;
  size_t discovered = 0;                      // simple-signing layers seen in total
  std::optional<std::string> subject_digest;  // OCI 1.1 "subject", when present
  std::string artifact_type;                  // manifest artifactType, when present
};

// Parses an OCI image manifest that carries cosign signatures (the .sig tag
// or a referrer). Fails as a whole if it is not an OCI image manifest or
// exceeds max_manifest_bytes; per-layer problems (oversized payload, missing
// or oversized signature annotation, bad digest) reject only that layer.
// Layers of other media types are ignored.
Result<SignatureManifest> parse_signature_manifest(std::string_view manifest_bytes,
                                                   const DiscoveryLimits& limits = {});

// A cosign signature manifest listed in an OCI 1.1 referrers index.
struct ReferrerDescriptor {
  std::string media_type;
  std::string digest;  // fetch /v2/<repo>/manifests/<digest>
  uint64_t size = 0;
  std::string artifact_type;
};

struct ReferrersSelection {
  std::vector<ReferrerDescriptor> signatures;
  std::vector<std::string> rejected;  // cosign referrers refused unfetched
};

// Parses the image index returned by GET /v2/<repo>/referrers/<digest> and
// keeps the entries whose artifactType is
// application/vnd.dev.cosign.artifact.sig.v1+json (other referrers, e.g.
// SBOMs and attestations, are ignored). Bounded by max_referrers and
// max_manifest_bytes for each entry's declared size.
Result<ReferrersSelection> parse_referrers_index(std::string_view index_bytes,
                                                 const DiscoveryLimits& limits = {});

}  // namespace portcullis::signing
