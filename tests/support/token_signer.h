// A key and self-signed certificate that sign JWTs the way docker-registry 2.8 verifies them
// (auth.token.rootcertbundle): ES256 or RS256, key named by `x5c` (the certificate) or by a
// libtrust key ID in `kid`.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace portcullis::testsupport {

enum class KeyType { ES256, RS256 };
enum class KeyRef { X5c, Kid };

class TokenSigner {
 public:
  explicit TokenSigner(KeyType type = KeyType::ES256, std::string common_name = "portcullis-test");
  ~TokenSigner();
  TokenSigner(const TokenSigner&) = delete;
  TokenSigner& operator=(const TokenSigner&) = delete;

  // PEM of the self-signed certificate: the registry's rootcertbundle.
  const std::string& cert_pem() const { return cert_pem_; }
  // Base64 (standard) DER of the certificate, as it goes into `x5c`.
  const std::string& cert_der_base64() const { return cert_der_b64_; }
  // libtrust key ID: base32 of the first 240 bits of sha256(DER SubjectPublicKeyInfo),
  // in 12 colon-separated groups of 4.
  const std::string& key_id() const { return key_id_; }
  const char* alg() const { return type_ == KeyType::ES256 ? "ES256" : "RS256"; }

  // header.claims.signature; `claims_json` is signed as given.
  std::string sign(std::string_view claims_json, KeyRef ref = KeyRef::X5c) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  KeyType type_;
  std::string cert_pem_;
  std::string cert_der_b64_;
  std::string key_id_;
};

std::string base64_encode(std::string_view data);
std::string base64url_encode(std::string_view data);  // no padding
std::string base64_decode(std::string_view b64);      // standard or URL alphabet; "" on error
std::string sha256_hex(std::string_view data);
std::string random_hex(size_t bytes);  // from the OpenSSL RNG

}  // namespace portcullis::testsupport
