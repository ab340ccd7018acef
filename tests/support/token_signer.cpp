#include "tests/support/token_signer.h"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace portcullis::testsupport {
namespace {

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("openssl: ") + what);
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string base32_libtrust(const unsigned char* data, size_t len) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

}  // namespace

struct TokenSigner::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

TokenSigner::TokenSigner(KeyType type, std::string common_name)
    : impl_(std::make_unique<Impl>()), type_(type) {
  impl_->key = type == KeyType::ES256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  if (!impl_->key) fail("key generation");

  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), impl_->key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), impl_->key, EVP_sha256()) <= 0) fail("certificate signing");

  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert.get());
  cert_pem_ = bio_to_string(bio.get());

  unsigned char* der = nullptr;
  int der_len = i2d_X509(cert.get(), &der);
  if (der_len <= 0) fail("certificate encoding");
  cert_der_b64_ = base64_encode(std::string_view(reinterpret_cast<char*>(der), der_len));
  OPENSSL_free(der);

  unsigned char* spki = nullptr;
  int spki_len = i2d_PUBKEY(impl_->key, &spki);
  if (spki_len <= 0) fail("public key encoding");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(spki, static_cast<size_t>(spki_len), digest);
  OPENSSL_free(spki);
  std::string b32 = base32_libtrust(digest, 30);  // 240 bits -> 48 characters
  for (size_t i = 0; i < b32.size(); i += 4) {
    if (i) key_id_ += ':';
    key_id_ += b32.substr(i, 4);
  }
}

TokenSigner::~TokenSigner() = default;

std::string TokenSigner::sign(std::string_view claims_json, KeyRef ref) const {
  nlohmann::json header = {{"typ", "JWT"}, {"alg", alg()}};
  if (ref == KeyRef::X5c) {
    header["x5c"] = nlohmann::json::array({cert_der_b64_});
  } else {
    header["kid"] = key_id_;
  }
  std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims_json);

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key) <= 0)
    fail("sign init");
  size_t sig_len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &sig_len, in, signing_input.size()) <= 0) fail("sign");
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len, in,
                     signing_input.size()) <= 0) {
    fail("sign");
  }
  sig.resize(sig_len);
  if (type_ == KeyType::ES256) {
    // JWS wants r || s, 32 bytes each, not the DER ECDSA-Sig-Value OpenSSL produces.
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> es(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())), ECDSA_SIG_free);
    if (!es) fail("ECDSA signature decoding");
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es.get()), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es.get()), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    sig = raw;
  }
  return signing_input + "." + base64url_encode(sig);
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64url_encode(std::string_view data) {
  std::string s = base64_encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::string base64_decode(std::string_view b64) {
  std::string in(b64);
  for (char& c : in) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (in.size() % 4) in += '=';
  std::string out(3 * in.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return "";
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    fail("RAND_bytes");
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace portcullis::testsupport
