#include "proxy/store/digest.h"

#include <openssl/evp.h>

#include <array>

namespace portcullis::proxy::store {
namespace {

const EVP_MD* algorithm(std::string_view name, std::size_t& hex_len) {
  if (name == "sha256") {
    hex_len = 64;
    return EVP_sha256();
  }
  if (name == "sha512") {
    hex_len = 128;
    return EVP_sha512();
  }
  return nullptr;
}

std::string hex_digest(const EVP_MD* md, std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, md, nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xf]);
  }
  return hex;
}

}  // namespace

Result<void> check_digest(std::string_view digest) {
  auto colon = digest.find(':');
  std::size_t hex_len = 0;
  if (colon == std::string_view::npos || !algorithm(digest.substr(0, colon), hex_len)) {
    return StoreError{StoreErrc::invalid_argument, "digest must be sha256:<hex> or sha512:<hex>"};
  }
  std::string_view hex = digest.substr(colon + 1);
  bool ok = hex.size() == hex_len;
  for (char c : hex) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return StoreError{StoreErrc::invalid_argument,
                      "digest " + std::string(digest.substr(0, colon)) + " needs " +
                          std::to_string(hex_len) + " lowercase hex characters"};
  }
  return {};
}

Result<void> verify_digest(std::string_view digest, std::string_view bytes) {
  if (auto ok = check_digest(digest); !ok) return ok;
  auto colon = digest.find(':');
  std::size_t hex_len = 0;
  const EVP_MD* md = algorithm(digest.substr(0, colon), hex_len);
  std::string actual = hex_digest(md, bytes);
  if (actual != digest.substr(colon + 1)) {
    return StoreError{StoreErrc::digest_mismatch, "content is " +
                                                      std::string(digest.substr(0, colon)) + ":" +
                                                      actual + ", not " + std::string(digest)};
  }
  return {};
}

std::string sha256_digest(std::string_view bytes) {
  return "sha256:" + hex_digest(EVP_sha256(), bytes);
}

}  // namespace portcullis::proxy::store
