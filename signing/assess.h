// The glue the proxy calls: signature manifests it discovered plus the
// payload blobs it fetched, verified against the trusted keys, become
// policy::SignatureFacts. No I/O here.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "policy/facts.h"
#include "signing/discovery.h"
#include "signing/keys.h"

namespace portcullis::signing {

// Everything found at one place (the .sig tag, or one referrer).
struct SignatureSource {
  std::string source;          // tag_source(...) or referrer_source(...)
  SignatureManifest manifest;  // from parse_signature_manifest
  // payload digest -> the bytes fetched for it (fetch at most layer.payload_size).
  std::map<std::string, std::string> payloads;
  // payload digest -> why it could not be fetched (shown in the reason).
  std::map<std::string, std::string> fetch_errors;
};

// "tag:sha256-<hex>.sig" (the value VerifiedSignature::source carries).
std::string tag_source(std::string_view signature_tag);
// "referrer:sha256:<digest of the referrer manifest>".
std::string referrer_source(std::string_view referrer_digest);

// The cosign referrers an index listed but parse_referrers_index refused
// unfetched, as a source whose layers are all rejected, so they count as
// discovered and their reasons reach the facts ("referrers:<subject>: ...").
SignatureSource refused_referrers_source(std::string_view subject_digest,
                                         const ReferrersSelection& selection);

struct AssessOptions {
  // When set, each payload's critical.identity.docker-reference must name
  // this repository (same_repository); cosign itself ignores the field.
  std::optional<std::string> expected_docker_reference;
};

// discovered counts every simple-signing layer seen; verified lists each one
// that a trusted key verified for exactly manifest_digest; rejected gives one
// "<source>: <why>" reason per other layer (or limit). A payload whose bytes
// do not match its descriptor's digest/size is rejected, never verified.
policy::SignatureFacts assess_signatures(std::string_view manifest_digest,
                                         std::span<const SignatureSource> sources,
                                         std::span<const PublicKey> trusted_keys,
                                         const AssessOptions& options = {});

}  // namespace portcullis::signing
