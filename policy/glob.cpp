#include "policy/glob.h"

#include <array>

namespace portcullis::policy {
namespace {

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

}  // namespace

Result<Glob> Glob::compile(std::string_view pattern, GlobKind kind) {
  auto fail = [](const std::string& why) { return Result<Glob>::failure(why); };
  if (pattern.empty()) return fail("it is empty");
  if (pattern.size() > kMaxLength) return fail("it is longer than 255 characters");

  Glob g;
  g.pattern_ = std::string(pattern);
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '[' || c == ']' || c == '{' || c == '}' || c == '\\')
      return fail(std::string("'") + c +
                  "' is reserved (character classes and braces are not supported)");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return fail("it contains a control character");
    if (c == '/' && kind == GlobKind::Segment) return fail("'/' is not allowed here");
    if (c != '*') {
      g.tokens_.push_back({c == '?' ? Op::AnyChar : Op::Char, c});
      ++i;
      continue;
    }
    size_t run = 0;
    while (i + run < pattern.size() && pattern[i + run] == '*') ++run;
    if (run == 1) {
      g.tokens_.push_back({Op::Star, 0});
      ++i;
      continue;
    }
    if (run > 2) return fail("'***' is not a valid wildcard (use '*' or '**')");
    if (kind == GlobKind::Segment)
      return fail("'**' is not allowed here (names have no '/'; use '*')");
    bool starts_segment = i == 0 || pattern[i - 1] == '/';
    bool ends_segment = i + 2 == pattern.size() || pattern[i + 2] == '/';
    if (!starts_segment || !ends_segment)
      return fail("'**' must be a whole path segment, as in \"a/**\", \"**/b\" or \"a/**/b\"");
    if (i + 2 < pattern.size()) {  // "**/": zero or more whole segments
      g.tokens_.push_back({Op::DirsEntry, 0});
      g.tokens_.push_back({Op::DirsInside, 0});
      i += 3;
    } else {
      g.tokens_.push_back({Op::GlobStar, 0});
      i += 2;
    }
  }

  size_t first_wild = pattern.find_first_of("*?");
  g.prefix_length_ = first_wild == std::string_view::npos ? pattern.size() : first_wild;
  std::string_view prefix = pattern.substr(0, g.prefix_length_);
  std::string_view tail = pattern.substr(g.prefix_length_);
  if (tail.empty()) {
    g.shape_ = Shape::Literal;
    g.affix_ = std::string(pattern);
  } else if (tail == "**") {
    g.shape_ = Shape::PrefixAny;
    g.affix_ = std::string(prefix);
  } else if (tail == "*") {
    g.shape_ = Shape::PrefixStar;
    g.affix_ = std::string(prefix);
  } else if (prefix.empty() && tail.starts_with("**/") && !has_wildcard(tail.substr(3))) {
    g.shape_ = Shape::SuffixAfterAny;
    g.affix_ = std::string(tail.substr(2));  // "/suffix"
  } else {
    g.shape_ = Shape::General;
    for (const Token& t : g.tokens_)
      if (t.op == Op::Char || t.op == Op::AnyChar) ++g.min_length_;
    size_t i = g.tokens_.size();
    while (i > 0 && g.tokens_[i - 1].op == Op::Char) --i;
    for (; i < g.tokens_.size(); ++i) g.suffix_ += g.tokens_[i].c;
    std::string run;
    for (const Token& t : g.tokens_) {
      if (t.op == Op::Char) {
        run += t.c;
        if (run.size() > g.infix_.size()) g.infix_ = run;
      } else {
        run.clear();
      }
    }
    if (g.tokens_.size() < 64) g.tables_ = g.build_tables();
  }
  return g;
}

std::string_view Glob::literal_suffix() const {
  switch (shape_) {
    case Shape::Literal:
      return affix_;
    case Shape::SuffixAfterAny:
      return std::string_view(affix_).substr(1);  // "**/x" also matches "x"
    case Shape::General:
      return suffix_;
    default:
      return {};
  }
}

bool Glob::matches(std::string_view text) const {
  switch (shape_) {
    case Shape::Literal:
      return text == affix_;
    case Shape::PrefixAny:
      return text.starts_with(affix_);
    case Shape::PrefixStar:
      return text.starts_with(affix_) && text.find('/', affix_.size()) == std::string_view::npos;
    case Shape::SuffixAfterAny:
      // Last byte first: most paths fail it without a memcmp call.
      if (text.empty()) return affix_.size() == 1;  // "**/" matches ""
      if (text.back() != affix_.back()) return false;
      return text.ends_with(affix_) || text == std::string_view(affix_).substr(1);
    case Shape::General:
      return match_general(text);
  }
  return false;
}

std::shared_ptr<const Glob::BitTables> Glob::build_tables() const {
  auto t = std::make_shared<BitTables>();
  *t = BitTables{};
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const uint64_t bit = uint64_t{1} << i;
    for (int c = 0; c < 256; ++c) {
      const bool slash = c == '/';
      switch (tokens_[i].op) {
        case Op::Char:
          if (static_cast<unsigned char>(tokens_[i].c) == c) t->advance[c] |= bit;
          break;
        case Op::AnyChar:
          if (!slash) t->advance[c] |= bit;
          break;
        case Op::Star:
          if (!slash) t->stay[c] |= bit;
          break;
        case Op::GlobStar:
          t->stay[c] |= bit;
          break;
        case Op::DirsEntry:
          t->advance[c] |= bit;  // into DirsInside
          break;
        case Op::DirsInside:
          t->stay[c] |= bit;
          if (slash) t->advance[c] |= bit;
          break;
      }
    }
    if (tokens_[i].op == Op::Star || tokens_[i].op == Op::GlobStar) t->epsilon1 |= bit;
    if (tokens_[i].op == Op::DirsEntry) {
      t->epsilon2 |= bit;
      t->dirs_entry |= bit;
    }
  }
  return t;
}

bool Glob::match_general(std::string_view text) const {
  // Most candidates fail these; the NFA only runs on plausible ones.
  if (text.size() < min_length_ || (!suffix_.empty() && text.back() != suffix_.back()) ||
      !text.starts_with(literal_prefix()) || !text.ends_with(suffix_) ||
      text.find(infix_) == std::string_view::npos)
    return false;
  return tables_ ? run_bit_parallel(text) : run_wide(text);
}

// The NFA over token positions (state i = "next token to match is i") run
// bit-parallel: a few word operations per byte whatever the pattern, and no
// backtracking blow-up.
bool Glob::run_bit_parallel(std::string_view text) const {
  const BitTables& t = *tables_;
  auto close = [&t](uint64_t s) {  // epsilon moves go forward; chains are short
    while (true) {
      uint64_t grown = s | ((s & t.epsilon1) << 1) | ((s & t.epsilon2) << 2);
      if (grown == s) return s;
      s = grown;
    }
  };
  uint64_t cur = close(1);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    uint64_t next = ((cur & t.advance[c]) << 1) | (cur & t.stay[c]);
    if (c == '/') next |= (cur & t.dirs_entry) << 2;
    if (next == 0) return false;
    cur = close(next);
  }
  return (cur >> tokens_.size()) & 1;
}

// The same NFA for long patterns (64 tokens or more), a bit at a time.
bool Glob::run_wide(std::string_view text) const {
  constexpr size_t kWords = (kMaxLength + 2 + 63) / 64;
  using Set = std::array<uint64_t, kWords>;
  const size_t n = tokens_.size();
  auto set = [](Set& s, size_t i) { s[i / 64] |= uint64_t{1} << (i % 64); };
  auto test = [](const Set& s, size_t i) { return (s[i / 64] >> (i % 64)) & 1; };
  auto close = [&](Set& s) {  // epsilon moves only go forward: one pass suffices
    for (size_t i = 0; i < n; ++i) {
      if (!test(s, i)) continue;
      Op op = tokens_[i].op;
      if (op == Op::Star || op == Op::GlobStar) set(s, i + 1);
      if (op == Op::DirsEntry) set(s, i + 2);
    }
  };
  Set cur{};
  set(cur, 0);
  close(cur);
  for (char ch : text) {
    Set next{};
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      if (!test(cur, i)) continue;
      const Token& tok = tokens_[i];
      bool slash = ch == '/';
      switch (tok.op) {
        case Op::Char:
          if (ch == tok.c) set(next, i + 1), any = true;
          break;
        case Op::AnyChar:
          if (!slash) set(next, i + 1), any = true;
          break;
        case Op::Star:
          if (!slash) set(next, i), any = true;
          break;
        case Op::GlobStar:
          set(next, i), any = true;
          break;
        case Op::DirsEntry:
          set(next, i + 1), any = true;
          if (slash) set(next, i + 2);
          break;
        case Op::DirsInside:
          set(next, i), any = true;
          if (slash) set(next, i + 1);
          break;
      }
    }
    if (!any) return false;
    close(next);
    cur = next;
  }
  return test(cur, n);
}

}  // namespace portcullis::policy
