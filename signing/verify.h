// Cryptographic verification of cosign signatures, then the payload checks
// that make "signed" mean "signed for exactly this digest".
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "signing/keys.h"
#include "signing/payload.h"
#include "signing/result.h"

namespace portcullis::signing {

// Decoded signatures larger than this are refused before any crypto
// (an RSA-16384 signature is 2048 bytes).
inline constexpr size_t kMaxSignatureBytes = 4096;

// Crypto only: does signature (raw bytes, not base64) verify over payload
// with key? Schemes, as cosign/sigstore use them:
//  - ECDSA: ASN.1 DER signature over SHA-256 (cosign's default for every
//    curve); for P-384/P-521 the curve-matched SHA-384/SHA-512 that
//    sigstore's LoadDefaultVerifier uses is accepted too.
//  - RSA: PKCS#1 v1.5 or PSS (salt length auto-detected), SHA-256.
//    RSA-PSS keys: PSS only.
//  - Ed25519: pure Ed25519 over the payload (no pre-hash).
Result<void> verify_raw(std::string_view payload, std::string_view signature, const PublicKey& key);

struct VerifyResult {
  bool verified = false;
  std::string reason;           // empty when verified; otherwise why not
  std::string key_fingerprint;  // the key that verified the signature
  // The parsed payload, once the signature verified and it parsed.
  std::optional<SimpleSigningPayload> payload;
};

// Full check of one signature: base64-decode, verify_raw with key, then the
// payload: critical.type == "cosign container image signature",
// critical.image.docker-manifest-digest == expected_manifest_digest and, when
// expected_docker_reference is given, critical.identity.docker-reference
// names the same repository (see same_repository).
VerifyResult verify(std::string_view payload, std::string_view signature_base64,
                    const PublicKey& key, std::string_view expected_manifest_digest,
                    std::optional<std::string_view> expected_docker_reference = std::nullopt);

// As verify(), accepting any one of keys. The reason for a signature that no
// key verifies says how many keys were tried.
VerifyResult verify_with_any(
    std::string_view payload, std::string_view signature_base64, std::span<const PublicKey> keys,
    std::string_view expected_manifest_digest,
    std::optional<std::string_view> expected_docker_reference = std::nullopt);

// Repository identity comparison for critical.identity.docker-reference:
// exact, except that "index.docker.io/" and "docker.io/" are the same host
// (go-containerregistry, which cosign uses, writes the former).
bool same_repository(std::string_view a, std::string_view b);

}  // namespace portcullis::signing
