// Case-insensitive 64-bit hashes of vulnerability ids, so that deny-list
// lookups compare integers. Internal to policy/.
#pragma once

#include <cstdint>
#include <string_view>

namespace portcullis::policy::detail {

inline uint64_t id_hash(std::string_view id) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the upper-cased bytes
  for (char c : id) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace portcullis::policy::detail
