#include "policy/version_constraint.h"

#include <cctype>

namespace portcullis::policy {
namespace {

constexpr size_t kMaxDigits = 18;  // fits uint64_t
constexpr size_t kMaxTerms = 32;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::optional<Version> Version::parse(std::string_view tag) {
  std::string_view s = tag;
  if (!s.empty() && (s.front() == 'v' || s.front() == 'V')) s.remove_prefix(1);
  if (s.empty() || !is_digit(s.front())) return std::nullopt;
  Version v;
  size_t i = 0;
  while (true) {
    size_t start = i;
    uint64_t value = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (i - start >= kMaxDigits) return std::nullopt;
      value = value * 10 + static_cast<uint64_t>(s[i] - '0');
      ++i;
    }
    if (v.count == kMaxComponents) return std::nullopt;
    v.parts[v.count++] = value;
    if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
      ++i;
      continue;
    }
    break;
  }
  v.suffix = s.substr(i);
  return v;
}

int Version::compare(const Version& other) const {
  for (size_t i = 0; i < kMaxComponents; ++i) {
    uint64_t a = i < count ? parts[i] : 0;
    uint64_t b = i < other.count ? other.parts[i] : 0;
    if (a != b) return a < b ? -1 : 1;
  }
  return 0;
}

Result<VersionConstraint> VersionConstraint::parse(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return Result<VersionConstraint>::failure("invalid version constraint \"" + std::string(text) +
                                              "\": " + why);
  };
  VersionConstraint c;
  c.text_ = std::string(text);
  std::vector<std::string_view> words = split_words(text);
  if (words.empty()) return fail("it is empty");
  if (words.size() > kMaxTerms) return fail("it has more than 32 terms");

  Group group;
  auto finish_group = [&]() -> bool {
    if (group.terms.empty()) return false;
    c.groups_.push_back(std::move(group));
    group = Group{};
    return true;
  };
  for (size_t w = 0; w < words.size(); ++w) {
    std::string_view word = words[w];
    if (word == "||") {
      if (!finish_group()) return fail("\"||\" needs a term on each side");
      continue;
    }
    Term term{};
    std::string_view operand = word;
    static constexpr std::pair<std::string_view, Op> kOps[] = {
        {">=", Op::Ge}, {"<=", Op::Le}, {"!=", Op::Ne}, {"==", Op::Eq},
        {">", Op::Gt},  {"<", Op::Lt},  {"=", Op::Eq},
    };
    bool has_op = false;
    for (const auto& [spelling, op] : kOps) {
      if (word.starts_with(spelling)) {
        term.op = op;
        operand = word.substr(spelling.size());
        has_op = true;
        break;
      }
    }
    if (has_op && operand.empty()) {
      // Allow ">= 8.0" written with a space.
      if (w + 1 < words.size() && words[w + 1] != "||") {
        operand = words[++w];
      } else {
        return fail("comparator \"" + std::string(word) + "\" has no version");
      }
    }
    if (operand.find_first_of("<>=!") != std::string_view::npos)
      return fail("\"" + std::string(word) + "\" is not a comparator followed by a version");
    bool wild = operand.find_first_of("*?") != std::string_view::npos;
    std::optional<Version> numeric = Version::parse(operand);
    bool pure_version = numeric && numeric->suffix.empty();
    if (wild || (!has_op && !pure_version)) {  // a tag glob, or an exact tag like "latest"
      if (has_op) return fail("comparator \"" + std::string(word) + "\" cannot take a glob");
      for (char ch : operand)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-' &&
            ch != '*' && ch != '?')
          return fail("tag glob \"" + std::string(operand) + "\" contains an invalid character '" +
                      std::string(1, ch) + "'");
      auto glob = Glob::compile(operand, GlobKind::Segment);
      if (!glob) return fail("tag glob \"" + std::string(operand) + "\": " + glob.error());
      term.op = Op::Glob;
      term.glob = std::move(*glob);
    } else {
      if (!pure_version)
        return fail("\"" + std::string(operand) +
                    "\" is not a version (expected dotted numbers such as 8.0.53)");
      term.version = *numeric;
      term.version.suffix = {};
      if (!has_op) term.op = Op::Prefix;
      group.numeric = true;
    }
    group.terms.push_back(std::move(term));
  }
  if (!finish_group()) return fail("\"||\" needs a term on each side");
  return c;
}

VersionConstraint::Outcome VersionConstraint::check(std::string_view tag) const {
  std::optional<Version> v = Version::parse(tag);
  bool not_a_version = false;
  for (const Group& g : groups_) {
    if (g.numeric && !v) {
      not_a_version = true;
      continue;
    }
    bool ok = true;
    for (const Term& t : g.terms) {
      if (t.op == Op::Glob) {
        ok = t.glob->matches(tag);
      } else if (t.op == Op::Prefix) {
        ok = v->count >= t.version.count;
        for (size_t i = 0; ok && i < t.version.count; ++i) ok = v->parts[i] == t.version.parts[i];
      } else {
        int cmp = v->compare(t.version);
        switch (t.op) {
          case Op::Eq:
            ok = cmp == 0;
            break;
          case Op::Ne:
            ok = cmp != 0;
            break;
          case Op::Lt:
            ok = cmp < 0;
            break;
          case Op::Le:
            ok = cmp <= 0;
            break;
          case Op::Gt:
            ok = cmp > 0;
            break;
          case Op::Ge:
            ok = cmp >= 0;
            break;
          default:
            break;
        }
      }
      if (!ok) break;
    }
    if (ok) return Outcome::Satisfied;
  }
  return not_a_version ? Outcome::NotAVersion : Outcome::Unsatisfied;
}

}  // namespace portcullis::policy
