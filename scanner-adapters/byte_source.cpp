#include "scanner-adapters/byte_source.h"

#include <algorithm>
#include <cstring>

namespace portcullis::scanner {

Result<size_t> MemorySource::read(std::span<std::byte> out) {
  size_t n = std::min(out.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace portcullis::scanner
