// Version constraints on image tags: "semantic-ish" ordering of dotted
// numeric tags, with tag globs.
//
//   ">=8.0 <8.1"        space-separated terms are ANDed
//   "<2.0 || >=3.1"     "||" separates alternatives
//   "8.0.*"             a term with * or ? is a glob over the whole tag
//   "8.0"               a bare version matches tags that start with those
//                       components: 8.0, 8.0.53, 8.0.53-jdk11 (not 8.01)
//   ">=1.25 *-alpine"   comparators and globs combine
//   "latest", "8.0.53-jdk11"  any other bare word is an exact tag
//
// Tags are read as an optional "v", dot-separated numbers, then any suffix:
// "8.0.53-jdk11" is 8.0.53 with suffix "-jdk11". The suffix is ignored for
// ordering (constrain it with a glob term). Missing components count as 0,
// so 8.1 == 8.1.0. A tag that does not start with a number ("latest") is not
// a version and never satisfies a numeric term.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/glob.h"
#include "policy/result.h"

namespace portcullis::policy {

struct Version {
  static constexpr size_t kMaxComponents = 8;
  std::array<uint64_t, kMaxComponents> parts{};
  uint8_t count = 0;
  std::string_view suffix;  // view into the parsed text

  // Returns nullopt for tags that are not versions.
  static std::optional<Version> parse(std::string_view tag);
  // Numeric comparison with missing components as 0: <0, 0, >0.
  int compare(const Version& other) const;
};

class VersionConstraint {
 public:
  enum class Outcome : uint8_t { Satisfied, Unsatisfied, NotAVersion };

  static Result<VersionConstraint> parse(std::string_view text);

  Outcome check(std::string_view tag) const;
  const std::string& text() const { return text_; }

 private:
  enum class Op : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, Prefix, Glob };
  struct Term {
    Op op;
    Version version;  // not for Glob
    std::optional<Glob> glob;
  };
  struct Group {
    std::vector<Term> terms;
    bool numeric = false;  // has a term that needs the tag to be a version
  };

  std::string text_;
  std::vector<Group> groups_;
};

}  // namespace portcullis::policy
