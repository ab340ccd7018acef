#include "scanner-adapters/digesting_source.h"

#include <algorithm>

namespace portcullis::scanner {
namespace {

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string hex_encode(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

Result<std::unique_ptr<DigestingSource>> DigestingSource::create(ByteSource& in,
                                                                 std::string_view digest,
                                                                 uint64_t max_bytes,
                                                                 std::string label) {
  const EVP_MD* md = nullptr;
  std::string_view hex;
  if (digest.starts_with("sha256:")) {
    md = EVP_sha256();
    hex = digest.substr(7);
  } else if (digest.starts_with("sha512:")) {
    md = EVP_sha512();
    hex = digest.substr(7);
  }
  if (md == nullptr || hex.size() != 2 * static_cast<size_t>(EVP_MD_get_size(md)) ||
      !is_lower_hex(hex)) {
    return make_error(label + ": unsupported or malformed digest");
  }
  return std::unique_ptr<DigestingSource>(
      new DigestingSource(in, std::string(digest), md, max_bytes, std::move(label)));
}

DigestingSource::DigestingSource(ByteSource& in, std::string expected, const EVP_MD* md,
                                 uint64_t max_bytes, std::string label)
    : in_(in),
      expected_(std::move(expected)),
      ctx_(EVP_MD_CTX_new()),
      max_bytes_(max_bytes),
      label_(std::move(label)) {
  EVP_DigestInit_ex(ctx_, md, nullptr);
}

DigestingSource::~DigestingSource() { EVP_MD_CTX_free(ctx_); }

Result<size_t> DigestingSource::read(std::span<std::byte> out) {
  auto n = in_.read(out);
  if (!n) return make_error(label_ + ": reading the blob failed: " + n.error().message);
  if (*n > out.size()) return make_error(label_ + ": byte source over-reported a read");
  bytes_ += *n;
  if (bytes_ > max_bytes_) {
    return make_error(label_ + " exceeds the compressed size limit (more than " +
                      std::to_string(max_bytes_) + " bytes)");
  }
  if (expected_size_ && bytes_ > *expected_size_) {
    return make_error(label_ + ": size mismatch (blob is larger than the descriptor's " +
                      std::to_string(*expected_size_) + " bytes)");
  }
  EVP_DigestUpdate(ctx_, out.data(), *n);
  return *n;
}

Result<void> DigestingSource::verify() {
  if (expected_size_ && bytes_ != *expected_size_) {
    return make_error(label_ + ": size mismatch (blob has " + std::to_string(bytes_) +
                      " bytes, the descriptor says " + std::to_string(*expected_size_) + ")");
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  std::string actual = expected_.substr(0, expected_.find(':') + 1) + hex_encode(md, len);
  if (actual != expected_) {
    return make_error(label_ + ": digest mismatch (content is " + actual + ")");
  }
  return {};
}

}  // namespace portcullis::scanner
