#include "signing/base64.h"

#include <array>
#include <cstdint>

namespace portcullis::signing {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kTable = make_table();

std::string describe(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  auto u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xf];
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t quad = 0;
  int filled = 0;   // symbols in the current quad
  int padding = 0;  // '=' seen so far
  size_t symbols = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      // Padding may only complete the last quad, after at least two symbols.
      if (filled + padding < 2) {
        return fail("invalid padding at offset " + std::to_string(pos));
      }
      ++padding;
      if (filled + padding > 4) return fail("invalid padding at offset " + std::to_string(pos));
      continue;
    }
    if (padding > 0) {
      return fail("data after padding at offset " + std::to_string(pos));
    }
    int8_t v = kTable[static_cast<unsigned char>(c)];
    if (v < 0)
      return fail("invalid character " + describe(c) + " at offset " + std::to_string(pos));
    quad = (quad << 6) | static_cast<uint32_t>(v);
    ++symbols;
    if (++filled == 4) {
      out.push_back(static_cast<char>((quad >> 16) & 0xff));
      out.push_back(static_cast<char>((quad >> 8) & 0xff));
      out.push_back(static_cast<char>(quad & 0xff));
      quad = 0;
      filled = 0;
    }
  }
  if (filled == 0 && padding == 0) return out;
  if (filled + padding != 4) {
    return fail("length " + std::to_string(symbols + padding) +
                " is not a multiple of 4 (truncated or unpadded)");
  }
  if (filled == 2) {
    out.push_back(static_cast<char>((quad >> 4) & 0xff));
  } else if (filled == 3) {
    out.push_back(static_cast<char>((quad >> 10) & 0xff));
    out.push_back(static_cast<char>((quad >> 2) & 0xff));
  }
  return out;
}

}  // namespace portcullis::signing
