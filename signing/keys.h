// Public and private keys for cosign-style signatures. Public keys are PEM
// PKIX SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"); private keys are
// PEM PKCS#8, optionally encrypted ("ENCRYPTED PRIVATE KEY"), or the
// traditional OpenSSL EC/RSA forms. cosign's own "ENCRYPTED SIGSTORE/COSIGN
// PRIVATE KEY" (scrypt + NaCl secretbox) is NOT supported: it is detected and
// refused with an explanation.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "signing/result.h"

namespace portcullis::signing {

enum class KeyType { EcdsaP256, EcdsaP384, EcdsaP521, Rsa, RsaPss, Ed25519 };

// "ECDSA P-256", "RSA-3072", "RSA-PSS-2048", "Ed25519".
std::string describe_key_type(KeyType type, int bits);

// Limits on what is accepted as a key.
inline constexpr size_t kMaxPemBytes = 64 * 1024;
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 16384;

class PublicKey {
 public:
  KeyType type() const { return type_; }
  int bits() const { return bits_; }
  // Lowercase sha256 hex of the DER SubjectPublicKeyInfo.
  const std::string& fingerprint() const { return fingerprint_; }
  std::string description() const { return describe_key_type(type_, bits_); }
  EVP_PKEY* get() const { return pkey_.get(); }
  // SPKI PEM ("-----BEGIN PUBLIC KEY-----").
  std::string pem() const;

  // Takes ownership of one reference to pkey; fails for unsupported key types.
  static Result<PublicKey> from_evp(EVP_PKEY* pkey);

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
  KeyType type_ = KeyType::EcdsaP256;
  int bits_ = 0;
  std::string fingerprint_;
};

class PrivateKey {
 public:
  KeyType type() const { return public_key_.type(); }
  const PublicKey& public_key() const { return public_key_; }
  EVP_PKEY* get() const { return pkey_.get(); }

  // Takes ownership of one reference to pkey.
  static Result<PrivateKey> from_evp(EVP_PKEY* pkey);

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
  PublicKey public_key_;
};

Result<PublicKey> load_public_key_pem(std::string_view pem);
Result<PublicKey> load_public_key_file(const std::string& path);

// Same as key.fingerprint(): lowercase sha256 hex of the DER SPKI, the value
// Trust Manifests and policy::VerifiedSignature::key_fingerprint carry.
std::string key_fingerprint(const PublicKey& key);

// passphrase: nullopt for an unencrypted key. An encrypted key without a
// passphrase, or with the wrong one, fails with a message that says so.
Result<PrivateKey> load_private_key_pem(std::string_view pem,
                                        std::optional<std::string_view> passphrase);
Result<PrivateKey> load_private_key_file(const std::string& path,
                                         std::optional<std::string_view> passphrase);

// Reads a passphrase file: its content minus one trailing "\n" or "\r\n".
Result<std::string> read_passphrase_file(const std::string& path);
// Reads a passphrase from an environment variable (unset is an error; an
// empty value is a valid, empty passphrase).
Result<std::string> read_passphrase_env(const std::string& name);

// Reads a whole small file (bounded by max_bytes) — used for PEM files.
Result<std::string> read_small_file(const std::string& path, size_t max_bytes);

}  // namespace portcullis::signing
