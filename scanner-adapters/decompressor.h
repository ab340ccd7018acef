// Streaming decompressors with fixed buffers. Each pulls compressed bytes from
// a ByteSource and is itself a ByteSource of decompressed bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scanner-adapters/byte_source.h"

namespace portcullis::scanner {

inline constexpr size_t kStreamBufferSize = 256 * 1024;

// A decompressor's input side: one fixed buffer, refilled whole.
class InputBuffer {
 public:
  explicit InputBuffer(ByteSource& in) : in_(in), buf_(kStreamBufferSize) {}
  // The fresh bytes; empty at end of input (and eof() is then true).
  Result<std::span<uint8_t>> refill() {
    auto n = in_.read(std::as_writable_bytes(std::span(buf_)));
    if (!n) return n.error();
    if (*n == 0) eof_ = true;
    total_ += *n;
    return std::span(buf_).first(*n);
  }
  bool eof() const { return eof_; }
  uint64_t total() const { return total_; }  // bytes read so far

 private:
  ByteSource& in_;
  std::vector<uint8_t> buf_;
  uint64_t total_ = 0;
  bool eof_ = false;
};

class Decompressor : public ByteSource {
 public:
  // Compressed bytes actually consumed so far (for the ratio limit: not what
  // was read ahead into the input buffer).
  virtual uint64_t consumed() const = 0;
};

// Gzip (RFC 1952) with ISA-L; concatenated members are one stream, anything
// else after a member is an error. `label` prefixes every error.
std::unique_ptr<Decompressor> make_gzip_decompressor(ByteSource& in, std::string label);
// zstd frames (concatenated and skippable frames included) with libzstd.
std::unique_ptr<Decompressor> make_zstd_decompressor(ByteSource& in, int max_window_log,
                                                     std::string label);
// No compression: passes bytes through.
std::unique_ptr<Decompressor> make_identity_decompressor(ByteSource& in);

}  // namespace portcullis::scanner
