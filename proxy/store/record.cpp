#include "proxy/store/record.h"

#include "proxy/store/bytes.h"

namespace portcullis::proxy::store {
namespace {

constexpr std::string_view kMagic = "PCR1";

StoreError corrupt(std::string why) { return StoreError{StoreErrc::corrupt, std::move(why)}; }

}  // namespace

std::string encode_record(std::int64_t stored_at, std::uint32_t version, std::string_view attr,
                          std::string_view payload) {
  std::string out;
  out.reserve(kRecordFixedHeader + attr.size() + payload.size());
  out.append(kMagic);
  bytes::append_le(out, static_cast<std::uint64_t>(stored_at));
  bytes::append_le(out, version);
  bytes::append_le(out, static_cast<std::uint16_t>(attr.size()));
  out.append(attr);
  bytes::append_le(out, static_cast<std::uint64_t>(payload.size()));
  out.append(payload);
  return out;
}

Result<RecordView> decode_record(std::string_view in, bool header_only) {
  bytes::Reader r(in);
  std::string_view magic;
  if (!r.take(kMagic.size(), magic) || magic != kMagic) return corrupt("bad record magic");
  RecordView rec;
  std::uint64_t stored_at = 0;
  std::uint16_t attr_len = 0;
  if (!r.le(stored_at) || !r.le(rec.version) || !r.le(attr_len) || !r.take(attr_len, rec.attr) ||
      !r.le(rec.size)) {
    return corrupt("record header is truncated");
  }
  rec.stored_at = static_cast<std::int64_t>(stored_at);
  if (header_only) return rec;
  if (r.remaining() != rec.size) {
    return corrupt("record payload is " + std::to_string(r.remaining()) + " bytes, header says " +
                   std::to_string(rec.size));
  }
  rec.payload = r.rest();
  return rec;
}

}  // namespace portcullis::proxy::store
