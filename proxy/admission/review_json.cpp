#include "proxy/admission/review_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>

namespace portcullis::proxy::admission {

namespace {

using Json = nlohmann::json;

// Which keys are kept below a node.
enum class Context : uint8_t {
  root,     // apiVersion, kind, request
  request,  // uid, kind, resource, ..., object, oldObject
  object,  // the pod-spec path: kind, spec, template, jobTemplate, the container lists, name, image
  all,     // everything (small subtrees: request.kind, request.resource, scalars)
};

bool is_one_of(std::string_view key, std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    if (key == k) return true;
  return false;
}

// nullopt: drop the key's value.
std::optional<Context> child_context(Context parent, std::string_view key) {
  switch (parent) {
    case Context::root:
      if (key == "request") return Context::request;
      if (key == "apiVersion" || key == "kind") return Context::all;
      return std::nullopt;
    case Context::request:
      if (key == "object" || key == "oldObject") return Context::object;
      if (is_one_of(key, {"uid", "kind", "resource", "subResource", "name", "namespace",
                          "operation", "dryRun"}))
        return Context::all;
      return std::nullopt;
    case Context::object:
      if (is_one_of(key, {"kind", "spec", "template", "jobTemplate", "containers", "initContainers",
                          "ephemeralContainers", "name", "image"}))
        return Context::object;
      return std::nullopt;
    case Context::all:
      return Context::all;
  }
  return std::nullopt;
}

// A strict RFC 8259 recursive-descent parser that builds only the kept values
// (`out` non-null) and merely validates the rest. Recursion is bounded by
// max_depth, so the stack is too.
class Scanner {
 public:
  Scanner(std::string_view text, size_t max_depth) : s_(text), max_depth_(max_depth) {}

  bool parse(Json& out) {
    if (!value(Context::root, &out, 0)) return false;
    skip_ws();
    return pos_ == s_.size() || fail();
  }
  bool too_deep() const { return too_deep_; }
  size_t error_at() const { return error_at_; }

 private:
  bool fail() {
    if (error_at_ == npos) error_at_ = pos_;
    return false;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }

  void skip_ws() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++pos_;
    }
  }

  bool value(Context context, Json* out, size_t depth) {
    skip_ws();
    if (at_end()) return fail();
    switch (peek()) {
      case '{':
        return object(context, out, depth + 1);
      case '[':
        return array(context, out, depth + 1);
      case '"': {
        if (!out) return string(nullptr);
        std::string text;
        if (!string(&text)) return false;
        *out = std::move(text);
        return true;
      }
      case 't':
        return literal("true", out, Json(true));
      case 'f':
        return literal("false", out, Json(false));
      case 'n':
        return literal("null", out, Json(nullptr));
      default:
        return number(out);
    }
  }

  bool enter(size_t depth) {
    if (depth <= max_depth_) return true;
    too_deep_ = true;
    return fail();
  }

  // Consumes `c` (after whitespace) if it is next.
  bool take(char c) {
    skip_ws();
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }

  // After a member or element: true if another follows (','), false at `close`
  // or on an error (`failed` says which).
  bool more(char close, bool& failed) {
    if (take(',')) return true;
    if (!take(close)) failed = !fail();  // fail() records where and returns false
    return false;
  }

  bool object(Context context, Json* out, size_t depth) {
    if (!enter(depth)) return false;
    ++pos_;  // '{'
    Json::object_t* members = nullptr;
    if (out) members = &(*out = Json::object()).get_ref<Json::object_t&>();
    if (take('}')) return true;
    std::string key;
    bool failed = false;
    do {
      skip_ws();
      if (at_end() || peek() != '"') return fail();
      key.clear();
      if (!string(&key)) return false;
      if (!take(':')) return fail();
      const auto child = child_context(context, key);
      Json* slot = nullptr;
      if (members && child) {
        slot = &(*members)[key];
        *slot = Json();  // a repeated key: the last one wins
      }
      if (!value(child.value_or(Context::all), slot, depth)) return false;
    } while (more('}', failed));
    return !failed;
  }

  bool array(Context context, Json* out, size_t depth) {
    if (!enter(depth)) return false;
    ++pos_;  // '['
    Json::array_t* elements = nullptr;
    if (out) elements = &(*out = Json::array()).get_ref<Json::array_t&>();
    if (take(']')) return true;
    bool failed = false;
    do {
      Json* slot = nullptr;
      if (elements) slot = &elements->emplace_back();  // every element kept: indexes as sent
      if (!value(context, slot, depth)) return false;
    } while (more(']', failed));
    return !failed;
  }

  bool literal(std::string_view word, Json* out, Json v) {
    if (s_.substr(pos_, word.size()) != word) return fail();
    pos_ += word.size();
    if (out) *out = std::move(v);
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(uint32_t& v) {
    if (pos_ + 4 > s_.size()) return fail();
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(s_[pos_ + i]);
      if (h < 0) return fail();
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    return true;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // One UTF-8 sequence starting at pos_ (a lead byte >= 0x80), checked as RFC 3629 says.
  bool utf8_sequence(std::string* out) {
    const auto b = [this](size_t i) { return static_cast<unsigned char>(s_[pos_ + i]); };
    const unsigned char c = b(0);
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
      n = 2;
    else if (c == 0xE0)
      n = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC)
      n = 3;
    else if (c == 0xED)
      n = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF)
      n = 3;
    else if (c == 0xF0)
      n = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
      n = 4;
    else if (c == 0xF4)
      n = 4, hi = 0x8F;
    else
      return fail();
    if (pos_ + n > s_.size()) return fail();
    if (b(1) < lo || b(1) > hi) return fail();
    for (size_t i = 2; i < n; ++i)
      if (b(i) < 0x80 || b(i) > 0xBF) return fail();
    if (out) out->append(s_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  // A string at pos_ ('"'); decoded into `out` when non-null, validated either way.
  bool string(std::string* out) {
    ++pos_;  // '"'
    for (;;) {
      // Plain ASCII runs are the common case: copy them in one go.
      const size_t run = pos_;
      while (pos_ < s_.size()) {
        const auto c = static_cast<unsigned char>(s_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      if (out) out->append(s_.data() + run, pos_ - run);
      if (at_end()) return fail();
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail();
      if (c >= 0x80) {
        if (!utf8_sequence(out)) return false;
        continue;
      }
      // An escape.
      ++pos_;
      if (at_end()) return fail();
      const char e = s_[pos_++];
      char plain = 0;
      switch (e) {
        case '"':
          plain = '"';
          break;
        case '\\':
          plain = '\\';
          break;
        case '/':
          plain = '/';
          break;
        case 'b':
          plain = '\b';
          break;
        case 'f':
          plain = '\f';
          break;
        case 'n':
          plain = '\n';
          break;
        case 'r':
          plain = '\r';
          break;
        case 't':
          plain = '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
            uint32_t low = 0;
            if (s_.substr(pos_, 2) != "\\u") return fail();
            pos_ += 2;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail();
          }
          if (out) append_utf8(*out, cp);
          continue;
        }
        default:
          return fail();
      }
      if (out) *out += plain;
    }
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  bool number(Json* out) {
    const size_t start = pos_;
    bool integral = true;
    if (!at_end() && peek() == '-') ++pos_;
    const auto digits = [this] {
      const size_t from = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (at_end()) return fail();
    if (peek() == '0')
      ++pos_;
    else if (digits() == 0)
      return fail();
    if (!at_end() && peek() == '.') {
      ++pos_;
      integral = false;
      if (digits() == 0) return fail();
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      integral = false;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) return fail();
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (integral && out) {
      if (*first == '-') {
        int64_t v = 0;
        if (std::from_chars(first, last, v).ec == std::errc()) return (*out = v), true;
      } else {
        uint64_t v = 0;
        if (std::from_chars(first, last, v).ec == std::errc()) return (*out = v), true;
      }
    }
    if (integral && !out) return true;
    // As nlohmann: strtod (the daemon keeps the "C" locale), and an overflow to
    // infinity is refused ("number overflow") while an underflow is fine.
    const std::string copy(first, last);
    const double d = std::strtod(copy.c_str(), nullptr);
    if (!std::isfinite(d)) return fail();
    if (out) *out = d;
    return true;
  }

  static constexpr size_t npos = static_cast<size_t>(-1);
  std::string_view s_;
  size_t pos_ = 0;
  size_t max_depth_;
  bool too_deep_ = false;
  size_t error_at_ = npos;
};

}  // namespace

std::optional<Json> parse_review_json(std::string_view text, size_t max_depth, std::string& error) {
  Scanner scanner(text, max_depth);
  Json out;
  if (scanner.parse(out)) return out;
  if (scanner.too_deep())
    error = "nested deeper than " + std::to_string(max_depth) + " levels";
  else
    error = "not valid JSON (at byte " + std::to_string(scanner.error_at()) + ")";
  return std::nullopt;
}

}  // namespace portcullis::proxy::admission
