// Glob patterns for registries, repositories, file paths and cluster or
// namespace names, compiled once at load time.
//   *   any run of characters within one '/'-separated segment
//   **  any run of characters across segments; must be a whole segment
//       ("a/**", "**/b", "a/**/b"), and "**/" also matches nothing
//   ?   one character other than '/'
// Character classes and braces are reserved, so "[", "]", "{", "}" and "\"
// are errors rather than literals that silently never match.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/result.h"

namespace portcullis::policy {

enum class GlobKind {
  Segment,  // one segment: registry hosts, cluster and namespace names; no '/' or '**'
  Path,     // '/'-separated: repositories, file paths
};

class Glob {
 public:
  static constexpr size_t kMaxLength = 255;

  // On failure the error says why, without repeating the pattern
  // ("'**' must be a whole path segment, ..."); callers add context.
  static Result<Glob> compile(std::string_view pattern, GlobKind kind);

  bool matches(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }
  // The characters before the first wildcard; every match starts with them.
  std::string_view literal_prefix() const {
    return std::string_view(pattern_).substr(0, prefix_length_);
  }
  // The characters after the last wildcard; every match ends with them.
  std::string_view literal_suffix() const;
  bool is_literal() const { return shape_ == Shape::Literal; }

 private:
  enum class Shape : uint8_t { Literal, PrefixAny, PrefixStar, SuffixAfterAny, General };
  enum class Op : uint8_t { Char, AnyChar, Star, GlobStar, DirsEntry, DirsInside };
  struct Token {
    Op op;
    char c;
  };

  // Shift-and tables for patterns of fewer than 64 tokens: bit i is token i.
  struct BitTables {
    uint64_t advance[256];  // token i consumes the byte and moves to i + 1
    uint64_t stay[256];     // token i consumes the byte and stays at i
    uint64_t dirs_entry;    // "**/" entries: on '/', move to i + 2
    uint64_t epsilon1;      // '*' and '**': may be skipped (i -> i + 1)
    uint64_t epsilon2;      // "**/" entries: may be skipped (i -> i + 2)
  };

  std::shared_ptr<const BitTables> build_tables() const;
  bool match_general(std::string_view text) const;
  bool run_bit_parallel(std::string_view text) const;
  bool run_wide(std::string_view text) const;

  std::string pattern_;
  std::string affix_;  // Literal: all; Prefix*: the prefix; SuffixAfterAny: "/suffix"
  size_t prefix_length_ = 0;
  // General shape: cheap rejections before the NFA runs.
  std::string suffix_;                       // literal characters every match ends with
  std::string infix_;                        // the longest literal run: every match contains it
  size_t min_length_ = 0;                    // characters every match has at least
  std::shared_ptr<const BitTables> tables_;  // shared: Globs are copied into indexes
  Shape shape_ = Shape::Literal;
  std::vector<Token> tokens_;
};

}  // namespace portcullis::policy
