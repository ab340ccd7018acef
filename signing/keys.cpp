#include "signing/keys.h"

#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "signing/digest.h"
#include "signing/ossl.h"

namespace portcullis::signing {
namespace {

Result<std::pair<KeyType, int>> classify(EVP_PKEY* pkey) {
  int bits = EVP_PKEY_get_bits(pkey);
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                         &len) != 1) {
        ERR_clear_error();
        return fail("EC key without a named curve is not supported");
      }
      int nid = OBJ_sn2nid(group);
      if (nid == NID_undef) nid = EC_curve_nist2nid(group);
      if (nid == NID_X9_62_prime256v1) return std::pair{KeyType::EcdsaP256, bits};
      if (nid == NID_secp384r1) return std::pair{KeyType::EcdsaP384, bits};
      if (nid == NID_secp521r1) return std::pair{KeyType::EcdsaP521, bits};
      return fail(std::string("EC curve ") + group +
                  " is not supported (use P-256, P-384 or P-521)");
    }
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: {
      if (bits < kMinRsaBits || bits > kMaxRsaBits) {
        return fail("RSA key of " + std::to_string(bits) + " bits is not accepted (allowed " +
                    std::to_string(kMinRsaBits) + ".." + std::to_string(kMaxRsaBits) + ")");
      }
      bool pss = EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA_PSS;
      return std::pair{pss ? KeyType::RsaPss : KeyType::Rsa, bits};
    }
    case EVP_PKEY_ED25519:
      return std::pair{KeyType::Ed25519, bits};
    default: {
      const char* name = EVP_PKEY_get0_type_name(pkey);
      return fail(std::string("key type ") + (name ? name : "unknown") +
                  " is not supported (use ECDSA P-256/P-384/P-521, RSA or Ed25519)");
    }
  }
}

Result<std::string> spki_der(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) return fail("cannot encode public key: " + ossl::last_error());
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

struct PassphraseContext {
  std::optional<std::string_view> passphrase;
  bool asked = false;
};

int passphrase_callback(char* buf, int size, int /*rwflag*/, void* user) {
  auto* ctx = static_cast<PassphraseContext*>(user);
  ctx->asked = true;
  if (!ctx->passphrase || ctx->passphrase->size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, ctx->passphrase->data(), ctx->passphrase->size());
  return static_cast<int>(ctx->passphrase->size());
}

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

std::string describe_key_type(KeyType type, int bits) {
  switch (type) {
    case KeyType::EcdsaP256:
      return "ECDSA P-256";
    case KeyType::EcdsaP384:
      return "ECDSA P-384";
    case KeyType::EcdsaP521:
      return "ECDSA P-521";
    case KeyType::Rsa:
      return "RSA-" + std::to_string(bits);
    case KeyType::RsaPss:
      return "RSA-PSS-" + std::to_string(bits);
    case KeyType::Ed25519:
      return "Ed25519";
  }
  return "unknown";
}

Result<PublicKey> PublicKey::from_evp(EVP_PKEY* raw) {
  ossl::PkeyPtr owned(raw);
  if (!raw) return fail("no key");
  auto kind = classify(raw);
  if (!kind) return kind.error();
  auto der = spki_der(raw);
  if (!der) return der.error();
  // Keep a public-only copy so a PublicKey never carries private material.
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size()));
  if (!pub) return fail("cannot re-read public key: " + ossl::last_error());
  PublicKey key;
  key.pkey_.reset(pub, EVP_PKEY_free);
  key.type_ = kind->first;
  key.bits_ = kind->second;
  key.fingerprint_ = sha256_hex(*der);
  return key;
}

std::string PublicKey::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
  return ossl::bio_contents(bio.get());
}

Result<PrivateKey> PrivateKey::from_evp(EVP_PKEY* raw) {
  if (!raw) return fail("no key");
  EVP_PKEY_up_ref(raw);  // one reference for the public half
  auto pub = PublicKey::from_evp(raw);
  if (!pub) {
    EVP_PKEY_free(raw);
    return pub.error();
  }
  PrivateKey key;
  key.pkey_.reset(raw, EVP_PKEY_free);
  key.public_key_ = std::move(*pub);
  return key;
}

Result<PublicKey> load_public_key_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return fail("public key PEM is larger than 64 KiB");
  if (!contains(pem, "-----BEGIN PUBLIC KEY-----")) {
    if (contains(pem, "-----BEGIN RSA PUBLIC KEY-----")) {
      return fail(
          "PKCS#1 \"RSA PUBLIC KEY\" PEM is not accepted; convert it to PKIX with "
          "`openssl pkey -pubin -in key.pem -out pub.pem` (\"PUBLIC KEY\")");
    }
    if (contains(pem, "-----BEGIN CERTIFICATE-----")) {
      return fail(
          "certificates are not accepted as keys; extract the public key with "
          "`openssl x509 -in cert.pem -pubkey -noout`");
    }
    return fail("no \"-----BEGIN PUBLIC KEY-----\" PEM block found");
  }
  auto bio = ossl::memory_bio(pem);
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!pkey) return fail("cannot parse public key PEM: " + ossl::last_error());
  return PublicKey::from_evp(pkey);
}

Result<PublicKey> load_public_key_file(const std::string& path) {
  auto text = read_small_file(path, kMaxPemBytes);
  if (!text) return text.error();
  auto key = load_public_key_pem(*text);
  if (!key) return fail(path + ": " + key.error().message);
  return key;
}

std::string key_fingerprint(const PublicKey& key) { return key.fingerprint(); }

Result<PrivateKey> load_private_key_pem(std::string_view pem,
                                        std::optional<std::string_view> passphrase) {
  if (pem.size() > kMaxPemBytes) return fail("private key PEM is larger than 64 KiB");
  if (contains(pem, "SIGSTORE PRIVATE KEY-----") || contains(pem, "COSIGN PRIVATE KEY-----")) {
    return fail(
        "cosign's encrypted key format (scrypt + secretbox) is not supported; use a "
        "PKCS#8 PEM key, e.g. one from `portcullis keygen` or `openssl genpkey`");
  }
  PassphraseContext ctx{passphrase};
  auto bio = ossl::memory_bio(pem);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &ctx);
  if (!pkey) {
    std::string why = ossl::last_error();
    if (ctx.asked && !passphrase) {
      return fail("private key is encrypted: a passphrase is required");
    }
    if (ctx.asked) return fail("cannot decrypt private key: wrong passphrase or corrupt key");
    return fail("cannot parse private key PEM: " + why);
  }
  return PrivateKey::from_evp(pkey);
}

Result<PrivateKey> load_private_key_file(const std::string& path,
                                         std::optional<std::string_view> passphrase) {
  auto text = read_small_file(path, kMaxPemBytes);
  if (!text) return text.error();
  auto key = load_private_key_pem(*text, passphrase);
  OPENSSL_cleanse(text->data(), text->size());
  if (!key) return fail(path + ": " + key.error().message);
  return key;
}

Result<std::string> read_passphrase_file(const std::string& path) {
  auto text = read_small_file(path, 4096);
  if (!text) return text.error();
  std::string& s = *text;
  if (!s.empty() && s.back() == '\n') {
    s.pop_back();
    if (!s.empty() && s.back() == '\r') s.pop_back();
  }
  return std::move(s);
}

Result<std::string> read_passphrase_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return fail("environment variable " + name + " is not set");
  return std::string(value);
}

Result<std::string> read_small_file(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open: " + std::strerror(errno));
  std::string data(max_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return fail(path + ": read error");
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > max_bytes) {
    return fail(path + ": larger than the limit of " + std::to_string(max_bytes) + " bytes");
  }
  return data;
}

}  // namespace portcullis::signing
