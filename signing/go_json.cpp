#include "signing/go_json.h"

#include <cstdint>

namespace portcullis::signing::gojson {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u(std::string& out, uint32_t cp) {
  out += "\\u";
  out.push_back(kHex[(cp >> 12) & 0xf]);
  out.push_back(kHex[(cp >> 8) & 0xf]);
  out.push_back(kHex[(cp >> 4) & 0xf]);
  out.push_back(kHex[cp & 0xf]);
}

// Length of a valid UTF-8 sequence at s[i], or 0 if invalid (Go's rules:
// no overlongs, no surrogates, max U+10FFFF).
size_t utf8_len(std::string_view s, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = 0;
  uint32_t min = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, cp = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, cp = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '<':
        case '>':
        case '&':
          append_u(out, c);
          break;
        default:
          if (c < 0x20) {
            append_u(out, c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8_len(s, i, cp);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      append_u(out, cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

std::string quote(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

void append_string_list(std::string& out, const std::vector<std::string>& v) {
  out.push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    append_string(out, v[i]);
  }
  out.push_back(']');
}

void append_string_map(std::string& out, const std::map<std::string, std::string>& m) {
  // std::map orders keys bytewise, as Go sorts map keys.
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out.push_back(',');
    first = false;
    append_string(out, k);
    out.push_back(':');
    append_string(out, v);
  }
  out.push_back('}');
}

ObjectWriter::ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
ObjectWriter::~ObjectWriter() { out_.push_back('}'); }

void ObjectWriter::key(std::string_view k) {
  if (!first_) out_.push_back(',');
  first_ = false;
  append_string(out_, k);
  out_.push_back(':');
}

void ObjectWriter::string(std::string_view k, std::string_view v) {
  key(k);
  append_string(out_, v);
}

void ObjectWriter::string_omitempty(std::string_view k, std::string_view v) {
  if (!v.empty()) string(k, v);
}

void ObjectWriter::integer(std::string_view k, long long v) {
  key(k);
  out_ += std::to_string(v);
}

void ObjectWriter::boolean_omitempty(std::string_view k, bool v) {
  if (!v) return;
  key(k);
  out_ += "true";
}

void ObjectWriter::string_list_omitempty(std::string_view k, const std::vector<std::string>& v) {
  if (v.empty()) return;
  key(k);
  append_string_list(out_, v);
}

void ObjectWriter::string_map_omitempty(std::string_view k,
                                        const std::map<std::string, std::string>& m) {
  if (m.empty()) return;
  key(k);
  append_string_map(out_, m);
}

void ObjectWriter::set_omitempty(std::string_view k, const std::vector<std::string>& sorted_keys) {
  if (sorted_keys.empty()) return;
  key(k);
  out_.push_back('{');
  for (size_t i = 0; i < sorted_keys.size(); ++i) {
    if (i) out_.push_back(',');
    append_string(out_, sorted_keys[i]);
    out_ += ":{}";
  }
  out_.push_back('}');
}

}  // namespace portcullis::signing::gojson
