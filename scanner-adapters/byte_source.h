// A tiny pull interface for bytes. The proxy implements it over an HTTP body
// (a blocking read on a worker thread); tests and benchmarks use memory.
#pragma once

#include <cstddef>
#include <span>

#include "scanner-adapters/error.h"

namespace portcullis::scanner {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to out.size() bytes; returns how many, 0 only at end of stream.
  virtual Result<size_t> read(std::span<std::byte> out) = 0;
};

// Serves a span it does not own (the bytes must outlive the source).
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const std::byte> data) : data_(data) {}
  Result<size_t> read(std::span<std::byte> out) override;

 private:
  std::span<const std::byte> data_;
  size_t pos_ = 0;
};

}  // namespace portcullis::scanner
