#pragma once
// The stored record around an opaque payload, shared by the facts and manifest stores:
//   magic "PCR1" | stored_at u64 LE | version u32 LE | attr_len u16 LE | attr | size u64 LE |
//   payload
// `size` must equal the payload length, so a truncated or padded value is caught on read.

#include "proxy/store/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::proxy::store {

struct RecordView {
  std::int64_t stored_at = 0;
  std::uint32_t version = 0;  // facts encoding version; 0 for manifests
  std::string_view attr;      // media type for manifests; empty for facts
  std::uint64_t size = 0;     // payload length as recorded
  std::string_view payload;   // empty when decoded header-only
};

inline constexpr std::size_t kRecordFixedHeader = 4 + 8 + 4 + 2 + 8;
inline constexpr std::size_t kMaxRecordAttr = 0xffff;

std::string encode_record(std::int64_t stored_at, std::uint32_t version, std::string_view attr,
                          std::string_view payload);

// StoreErrc::corrupt with the reason when the bytes are not a whole record. With header_only,
// `bytes` may be just a prefix (list operations read no payload) and the size is not checked.
Result<RecordView> decode_record(std::string_view bytes, bool header_only = false);

}  // namespace portcullis::proxy::store
