// The layer blob as sent: every byte is hashed and counted on its way to the
// decompressor, and the compressed size limit is enforced as bytes arrive.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "scanner-adapters/byte_source.h"

namespace portcullis::scanner {

// Lower-case hex, as OCI digests spell it.
std::string hex_encode(const unsigned char* p, size_t n);

class DigestingSource final : public ByteSource {
 public:
  // `label` ("layer sha256:...") prefixes every error. Fails for a digest
  // that is not "sha256:<64 hex>" or "sha512:<128 hex>".
  static Result<std::unique_ptr<DigestingSource>> create(ByteSource& in, std::string_view digest,
                                                         uint64_t max_bytes, std::string label);
  ~DigestingSource() override;

  Result<size_t> read(std::span<std::byte> out) override;
  uint64_t bytes() const { return bytes_; }
  // The descriptor's size: a longer blob fails as soon as it overruns.
  void expect_size(uint64_t size) { expected_size_ = size; }
  // Call once at end of stream: an error when the size or digest differs.
  Result<void> verify();

 private:
  DigestingSource(ByteSource& in, std::string expected, const EVP_MD* md, uint64_t max_bytes,
                  std::string label);

  ByteSource& in_;
  std::string expected_;  // "sha256:<hex>", lower case
  EVP_MD_CTX* ctx_;
  uint64_t max_bytes_;
  std::string label_;
  uint64_t bytes_ = 0;
  std::optional<uint64_t> expected_size_;
};

}  // namespace portcullis::scanner
