#pragma once
// Fixed-width integer encoding for stored keys and record headers. Little-endian for values;
// big-endian where the bytes must sort in numeric order (LMDB compares keys with memcmp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::proxy::store::bytes {

template <class T>
void append_le(std::string& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

template <class T>
void append_be(std::string& out, T v) {
  for (std::size_t i = sizeof(T); i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Callers check the length first.
template <class T>
T read_le(std::string_view in, std::size_t at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v |= T(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

template <class T>
T read_be(std::string_view in, std::size_t at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v = T(v << 8) | T(static_cast<unsigned char>(in[at + i]));
  return v;
}

// Sequential reader over a record; every read reports whether the bytes were there.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  template <class T>
  bool le(T& v) {
    if (in_.size() - pos_ < sizeof(T)) return false;
    v = read_le<T>(in_, pos_);
    pos_ += sizeof(T);
    return true;
  }
  bool take(std::size_t n, std::string_view& v) {
    if (in_.size() - pos_ < n) return false;
    v = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  std::size_t remaining() const { return in_.size() - pos_; }
  std::string_view rest() const { return in_.substr(pos_); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace portcullis::proxy::store::bytes
