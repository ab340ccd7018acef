#include "proxy/upstream/www_authenticate.h"

#include <cctype>

namespace portcullis::proxy::upstream {
namespace {

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~/:").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool done() {
    skip_space();
    return i_ >= s_.size();
  }
  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string_view token() {
    skip_space();
    const auto start = i_;
    while (i_ < s_.size() && is_tchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  std::optional<std::string> quoted() {
    skip_space();
    if (i_ >= s_.size() || s_[i_] != '"') return std::nullopt;
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_++];
    }
    if (i_ >= s_.size()) return std::nullopt;
    ++i_;
    return out;
  }
  size_t pos() const { return i_; }
  void seek(size_t p) { i_ = p; }
  bool peek_is(char c) {
    skip_space();
    return i_ < s_.size() && s_[i_] == c;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<std::vector<Challenge>> parse_www_authenticate(std::string_view header) {
  std::vector<Challenge> out;
  Cursor c(header);
  while (!c.done()) {
    if (c.eat(',')) continue;
    const auto scheme = c.token();
    if (scheme.empty()) return std::nullopt;
    Challenge ch{lower(scheme), {}};
    // auth-params until the next token that is not followed by '='.
    while (!c.done()) {
      const auto mark = c.pos();
      if (c.eat(',')) continue;
      const auto key = c.token();
      if (key.empty()) return std::nullopt;
      if (!c.eat('=')) {
        c.seek(mark);  // the start of the next challenge
        break;
      }
      std::string value;
      if (c.peek_is('"')) {
        auto q = c.quoted();
        if (!q) return std::nullopt;
        value = *q;
      } else {
        value = std::string(c.token());
      }
      ch.params[lower(key)] = value;
    }
    out.push_back(std::move(ch));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace portcullis::proxy::upstream
