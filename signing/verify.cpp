#include "signing/verify.h"

#include <openssl/rsa.h>

#include "signing/base64.h"
#include "signing/media_types.h"
#include "signing/ossl.h"

namespace portcullis::signing {
namespace {

enum class Padding { None, Pkcs1, Pss };

// One EVP_DigestVerify attempt. md == nullptr means a pure scheme (Ed25519).
bool try_verify(std::string_view payload, std::string_view sig, EVP_PKEY* pkey, const EVP_MD* md,
                Padding padding) {
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey) == 1;
  if (ok && padding == Padding::Pkcs1) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  } else if (ok && padding == Padding::Pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                              sig.size(), reinterpret_cast<const unsigned char*>(payload.data()),
                              payload.size()) == 1;
  ERR_clear_error();  // a failed attempt leaves errors that are not ours to report
  return ok;
}

std::string_view strip_docker_hub_alias(std::string_view ref) {
  constexpr std::string_view kIndex = "index.docker.io/";
  constexpr std::string_view kHub = "docker.io/";
  if (ref.substr(0, kIndex.size()) == kIndex) return ref.substr(kIndex.size());
  if (ref.substr(0, kHub.size()) == kHub) return ref.substr(kHub.size());
  return ref;
}

bool is_docker_hub(std::string_view ref) {
  return ref.substr(0, 16) == "index.docker.io/" || ref.substr(0, 10) == "docker.io/";
}

// The payload checks shared by verify() and verify_with_any().
VerifyResult check_payload(std::string_view payload, const PublicKey& key,
                           std::string_view expected_manifest_digest,
                           std::optional<std::string_view> expected_docker_reference) {
  VerifyResult result;
  auto parsed = parse_payload(payload);
  if (!parsed) {
    result.reason = "invalid simple-signing payload: " + parsed.error().message;
    return result;
  }
  if (parsed->type != kCosignSignatureType) {
    result.reason = "payload critical.type is \"" + parsed->type + "\", expected \"" +
                    std::string(kCosignSignatureType) + "\"";
    return result;
  }
  if (parsed->manifest_digest != expected_manifest_digest) {
    result.reason = "payload is for manifest " + parsed->manifest_digest + ", not " +
                    std::string(expected_manifest_digest) +
                    " (signature replayed from another image?)";
    return result;
  }
  if (expected_docker_reference &&
      !same_repository(parsed->docker_reference, *expected_docker_reference)) {
    result.reason = "payload docker-reference \"" + parsed->docker_reference +
                    "\" does not match the expected repository \"" +
                    std::string(*expected_docker_reference) + "\"";
    return result;
  }
  result.verified = true;
  result.key_fingerprint = key.fingerprint();
  result.payload = std::move(*parsed);
  return result;
}

Result<std::string> decode_signature(std::string_view signature_base64) {
  if (signature_base64.empty()) return fail("malformed base64 signature: empty");
  if (signature_base64.size() > kMaxSignatureBytes * 4 / 3 + 8) {
    return fail("malformed base64 signature: " + std::to_string(signature_base64.size()) +
                " characters, more than any supported key produces");
  }
  auto raw = base64_decode(signature_base64);
  if (!raw) return fail("malformed base64 signature: " + raw.error().message);
  if (raw->empty()) return fail("malformed base64 signature: decodes to nothing");
  return raw;
}

}  // namespace

Result<void> verify_raw(std::string_view payload, std::string_view signature,
                        const PublicKey& key) {
  if (signature.size() > kMaxSignatureBytes) return fail("signature is too large");
  EVP_PKEY* pkey = key.get();
  bool ok = false;
  switch (key.type()) {
    case KeyType::EcdsaP256:
      ok = try_verify(payload, signature, pkey, EVP_sha256(), Padding::None);
      break;
    case KeyType::EcdsaP384:
      ok = try_verify(payload, signature, pkey, EVP_sha256(), Padding::None) ||
           try_verify(payload, signature, pkey, EVP_sha384(), Padding::None);
      break;
    case KeyType::EcdsaP521:
      ok = try_verify(payload, signature, pkey, EVP_sha256(), Padding::None) ||
           try_verify(payload, signature, pkey, EVP_sha512(), Padding::None);
      break;
    case KeyType::Rsa:
      ok = try_verify(payload, signature, pkey, EVP_sha256(), Padding::Pkcs1) ||
           try_verify(payload, signature, pkey, EVP_sha256(), Padding::Pss);
      break;
    case KeyType::RsaPss:
      ok = try_verify(payload, signature, pkey, EVP_sha256(), Padding::Pss);
      break;
    case KeyType::Ed25519:
      ok = try_verify(payload, signature, pkey, nullptr, Padding::None);
      break;
  }
  if (!ok) {
    return fail("signature does not verify with key " + key.fingerprint() + " (" +
                key.description() + ")");
  }
  return {};
}

VerifyResult verify(std::string_view payload, std::string_view signature_base64,
                    const PublicKey& key, std::string_view expected_manifest_digest,
                    std::optional<std::string_view> expected_docker_reference) {
  return verify_with_any(payload, signature_base64, std::span<const PublicKey>(&key, 1),
                         expected_manifest_digest, expected_docker_reference);
}

VerifyResult verify_with_any(std::string_view payload, std::string_view signature_base64,
                             std::span<const PublicKey> keys,
                             std::string_view expected_manifest_digest,
                             std::optional<std::string_view> expected_docker_reference) {
  VerifyResult result;
  auto raw = decode_signature(signature_base64);
  if (!raw) {
    result.reason = raw.error().message;
    return result;
  }
  if (keys.empty()) {
    result.reason = "no trusted keys to verify against";
    return result;
  }
  for (const auto& key : keys) {
    auto crypto = verify_raw(payload, *raw, key);
    if (!crypto) {
      if (keys.size() == 1) result.reason = crypto.error().message;
      continue;
    }
    // Verified by this key: the payload decides, no other key can change that.
    return check_payload(payload, key, expected_manifest_digest, expected_docker_reference);
  }
  if (keys.size() > 1) {
    result.reason = "signature does not verify with any of the " + std::to_string(keys.size()) +
                    " trusted keys";
  }
  return result;
}

bool same_repository(std::string_view a, std::string_view b) {
  if (a == b) return true;
  return is_docker_hub(a) && is_docker_hub(b) &&
         strip_docker_hub_alias(a) == strip_docker_hub_alias(b);
}

}  // namespace portcullis::signing
