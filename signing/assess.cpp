#include "signing/assess.h"

#include "signing/digest.h"
#include "signing/verify.h"

namespace portcullis::signing {
namespace {

// Why the fetched bytes for layer cannot be used, or nullopt if they can.
std::optional<std::string> payload_problem(const SignatureSource& src, const SignatureLayer& layer,
                                           const std::string** bytes) {
  auto it = src.payloads.find(layer.payload_digest);
  if (it == src.payloads.end()) {
    auto err = src.fetch_errors.find(layer.payload_digest);
    return "payload not fetched: " +
           (err != src.fetch_errors.end() ? err->second : std::string("no bytes supplied"));
  }
  if (it->second.size() != layer.payload_size) {
    return "payload is " + std::to_string(it->second.size()) + " bytes, descriptor says " +
           std::to_string(layer.payload_size);
  }
  std::string actual = sha256_digest(it->second);
  if (actual != layer.payload_digest) {
    return "payload bytes have digest " + actual + ", not the descriptor's";
  }
  *bytes = &it->second;
  return std::nullopt;
}

}  // namespace

std::string tag_source(std::string_view signature_tag) {
  return "tag:" + std::string(signature_tag);
}

std::string referrer_source(std::string_view referrer_digest) {
  return "referrer:" + std::string(referrer_digest);
}

SignatureSource refused_referrers_source(std::string_view subject_digest,
                                         const ReferrersSelection& selection) {
  SignatureSource src;
  src.source = "referrers:" + std::string(subject_digest);
  src.manifest.rejected = selection.rejected;
  src.manifest.discovered = selection.rejected.size();
  return src;
}

policy::SignatureFacts assess_signatures(std::string_view manifest_digest,
                                         std::span<const SignatureSource> sources,
                                         std::span<const PublicKey> trusted_keys,
                                         const AssessOptions& options) {
  policy::SignatureFacts facts;
  std::optional<std::string_view> expected_ref;
  if (options.expected_docker_reference) expected_ref = *options.expected_docker_reference;

  for (const auto& src : sources) {
    const auto& m = src.manifest;
    facts.discovered += static_cast<int>(m.discovered);
    for (const auto& why : m.rejected) facts.rejected.push_back(src.source + ": " + why);
    if (m.subject_digest && *m.subject_digest != manifest_digest) {
      // A referrer of some other manifest: none of its signatures count here.
      facts.rejected.push_back(src.source + ": signature manifest's subject is " +
                               *m.subject_digest + ", not " + std::string(manifest_digest) +
                               "; its " + std::to_string(m.signatures.size()) +
                               " signatures were ignored");
      continue;
    }
    for (const auto& layer : m.signatures) {
      std::string where = src.source + ": layer " + layer.payload_digest + ": ";
      const std::string* payload = nullptr;
      if (auto problem = payload_problem(src, layer, &payload)) {
        facts.rejected.push_back(where + *problem);
        continue;
      }
      auto result = verify_with_any(*payload, layer.signature_base64, trusted_keys, manifest_digest,
                                    expected_ref);
      if (!result.verified) {
        facts.rejected.push_back(where + result.reason);
        continue;
      }
      facts.verified.push_back(policy::VerifiedSignature{
          result.key_fingerprint, result.payload->docker_reference, src.source});
    }
  }
  return facts;
}

}  // namespace portcullis::signing
