#include "policy/glob.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "policy/patterns.h"

namespace portcullis::policy {
namespace {

struct Case {
  std::string pattern;
  std::string text;
  bool match;
};

class GlobMatchTest : public ::testing::TestWithParam<Case> {};

TEST_P(GlobMatchTest, Matches) {
  const Case& c = GetParam();
  auto g = Glob::compile(c.pattern, GlobKind::Path);
  ASSERT_TRUE(g.ok()) << g.error();
  EXPECT_EQ(g->matches(c.text), c.match) << c.pattern << " vs " << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Paths, GlobMatchTest,
    ::testing::Values(
        // literal
        Case{"/bin/nc", "/bin/nc", true}, Case{"/bin/nc", "/bin/ncat", false},
        // * stays within a segment
        Case{"/usr/bin/nc*", "/usr/bin/nc", true},
        Case{"/usr/bin/nc*", "/usr/bin/nc.openbsd", true},
        Case{"/usr/bin/nc*", "/usr/bin/nc/x", false}, Case{"/bin/*sh", "/bin/bash", true},
        Case{"/bin/*sh", "/bin/sh", true}, Case{"/bin/*sh", "/bin/x/sh", false},
        Case{"/bin/*sh", "/bin/shx", false}, Case{"/*/sshd", "/sbin/sshd", true},
        Case{"/*/sshd", "/usr/sbin/sshd", false},
        // ? is one character, never '/'
        Case{"/bin/?sh", "/bin/ksh", true}, Case{"/bin/?sh", "/bin/sh", false},
        Case{"/a?b", "/a/b", false},
        // ** crosses segments
        Case{"registry.corp.example/apps/**", "registry.corp.example/apps/api", true},
        Case{"registry.corp.example/apps/**", "registry.corp.example/apps/team/api", true},
        Case{"registry.corp.example/apps/**", "registry.corp.example/apps", false},
        Case{"registry.corp.example/apps/**", "registry.corp.example/apps2/x", false},
        Case{"**/abc", "docker.io/library/abc", true}, Case{"**/abc", "abc", true},
        Case{"**/abc", "docker.io/library/xabc", false},
        Case{"**/abc", "docker.io/library/abc/def", false}, Case{"**", "anything/at/all", true},
        Case{"a/**/b", "a/b", true}, Case{"a/**/b", "a/x/b", true}, Case{"a/**/b", "a/x/y/b", true},
        Case{"a/**/b", "a/xb", false}, Case{"a/**/b", "ab", false},
        Case{"**/sbin/*sshd*", "/usr/sbin/sshd", true},
        Case{"**/sbin/*sshd*", "/usr/local/sbin/dropbear", false},
        Case{"**/x/**/y*", "/a/x/b/c/yz", true}, Case{"**/x/**/y*", "/a/x/yz", true},
        Case{"**/x/**/y*", "/a/x/yz/q", false},
        // mixed wildcards need the NFA, not greedy matching
        Case{"/*a*a*a*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", true},
        Case{"/*a*a*a*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}));

TEST(Glob, PrefixesAreExposedForRangeScans) {
  EXPECT_EQ(Glob::compile("/usr/bin/nc*", GlobKind::Path)->literal_prefix(), "/usr/bin/nc");
  EXPECT_EQ(Glob::compile("**/sshd", GlobKind::Path)->literal_prefix(), "");
  EXPECT_TRUE(Glob::compile("/bin/nc", GlobKind::Path)->is_literal());
  EXPECT_FALSE(Glob::compile("/bin/n?", GlobKind::Path)->is_literal());
}

TEST(Glob, SegmentKindRejectsSlashesAndGlobstar) {
  EXPECT_TRUE(Glob::compile("prod-*", GlobKind::Segment)->matches("prod-eu-1"));
  EXPECT_EQ(Glob::compile("a/b", GlobKind::Segment).error(), "'/' is not allowed here");
  EXPECT_EQ(Glob::compile("**", GlobKind::Segment).error(),
            "'**' is not allowed here (names have no '/'; use '*')");
}

struct BadGlob {
  std::string pattern;
  std::string error;
};
class GlobRejectTest : public ::testing::TestWithParam<BadGlob> {};

TEST_P(GlobRejectTest, Rejects) {
  auto g = Glob::compile(GetParam().pattern, GlobKind::Path);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Paths, GlobRejectTest,
    ::testing::Values(
        BadGlob{"", "it is empty"},
        BadGlob{"a**", "'**' must be a whole path segment, as in \"a/**\", \"**/b\" or \"a/**/b\""},
        BadGlob{"**b/c",
                "'**' must be a whole path segment, as in \"a/**\", \"**/b\" or \"a/**/b\""},
        BadGlob{"/a/***", "'***' is not a valid wildcard (use '*' or '**')"},
        BadGlob{"/bin/[a-z]sh", "'[' is reserved (character classes and braces are not supported)"},
        BadGlob{"/bin/{a,b}", "'{' is reserved (character classes and braces are not supported)"},
        BadGlob{"/bin/\\*", "'\\' is reserved (character classes and braces are not supported)"},
        BadGlob{std::string(256, 'a'), "it is longer than 255 characters"}));

TEST(Glob, LongTextsStayLinear) {
  auto g = Glob::compile("**/*a*a*a*a*a*a*a*a*b", GlobKind::Path);
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->matches(std::string(4000, 'a')));
  EXPECT_TRUE(g->matches("x/" + std::string(4000, 'a') + "b"));
}

// Cross-checks the matcher (both the bit-parallel and the wide NFA) against
// std::regex on random patterns and texts.
std::string to_regex(const std::string& glob) {
  std::string re;
  for (size_t i = 0; i < glob.size(); ++i) {
    if (glob.compare(i, 3, "**/") == 0) {
      re += "(?:.*/)?";
      i += 2;
    } else if (glob.compare(i, 2, "**") == 0) {
      re += ".*";
      i += 1;
    } else if (glob[i] == '*') {
      re += "[^/]*";
    } else if (glob[i] == '?') {
      re += "[^/]";
    } else {
      re += glob[i];
    }
  }
  return re;
}

TEST(Glob, AgreesWithARegexOnRandomInputs) {
  std::mt19937 rng(12345);
  const char segment_chars[] = {'a', 'b', '*', '?', 'a'};
  const char text_chars[] = {'a', 'b', '/'};
  int compared = 0;
  int wide = 0;
  for (int round = 0; round < 3000; ++round) {
    // Whole segments, so most patterns are valid; some are long enough
    // (64 tokens or more) to take the wide path.
    size_t target = round % 8 == 0 ? 100 + rng() % 30 : 1 + rng() % 12;
    std::string pattern = rng() % 2 ? "/" : "";
    while (pattern.size() < target) {
      if (rng() % 5 == 0) {
        pattern += "**";
      } else {
        size_t n = 1 + rng() % 4;
        for (size_t i = 0; i < n; ++i) {
          char c = segment_chars[rng() % 5];
          if (c == '*' && !pattern.empty() && pattern.back() == '*') c = 'b';
          pattern += c;
        }
      }
      if (pattern.size() < target) pattern += '/';
    }
    auto glob = Glob::compile(pattern, GlobKind::Path);
    if (!glob) continue;
    size_t len = pattern.size();
    if (len >= 100) ++wide;  // at least 66 tokens
    std::regex re(to_regex(pattern));
    for (int t = 0; t < 20; ++t) {
      std::string text;
      size_t tlen = rng() % (len + 6);
      for (size_t i = 0; i < tlen; ++i) text += text_chars[rng() % 3];
      ASSERT_EQ(glob->matches(text), std::regex_match(text, re)) << pattern << " vs " << text;
      ++compared;
    }
  }
  EXPECT_GT(compared, 30000);
  EXPECT_GT(wide, 100);
}

// The manifest pattern flavours.
TEST(Patterns, RepositoryPatternsAreNormalisedLikeReferences) {
  auto norm = [](std::string_view p) {
    auto g = compile_repository_pattern(p);
    return g ? g->pattern() : "error: " + g.error();
  };
  EXPECT_EQ(norm("nginx"), "docker.io/library/nginx");
  EXPECT_EQ(norm("nginx*"), "docker.io/library/nginx*");
  EXPECT_EQ(norm("bitnami/*"), "docker.io/bitnami/*");
  EXPECT_EQ(norm("index.docker.io/library/nginx"), "docker.io/library/nginx");
  EXPECT_EQ(norm("Registry.Corp.Example/apps/**"), "registry.corp.example/apps/**");
  EXPECT_EQ(norm("harbor.corp.example:8443/x"), "harbor.corp.example:8443/x");
  EXPECT_EQ(norm("**/abc"), "**/abc");
  EXPECT_EQ(norm("**"), "**");
  EXPECT_EQ(norm("*.corp.example/apps/*"), "*.corp.example/apps/*");
  EXPECT_EQ(norm("localhost/app"), "localhost/app");
  EXPECT_EQ(norm("quay.io/Org/app"),
            "error: invalid pattern \"quay.io/Org/app\": repository names are lower case");
  EXPECT_EQ(norm("quay.io/a b"),
            "error: invalid pattern \"quay.io/a b\": ' ' cannot appear in a repository name");
  EXPECT_EQ(norm("quay.io/a//b"),
            "error: invalid pattern \"quay.io/a//b\": it has an empty path segment");
  EXPECT_EQ(norm("quay.io/apps**"),
            "error: invalid pattern \"quay.io/apps**\": '**' must be a whole path segment, as in "
            "\"a/**\", \"**/b\" or \"a/**/b\"");
  EXPECT_EQ(norm("bad..host:1/x"),
            "error: invalid pattern \"bad..host:1/x\": \"bad..host:1\" is not a valid registry "
            "host[:port]");
}

TEST(Patterns, RegistryPatterns) {
  auto reg = [](std::string_view p) {
    auto g = compile_registry_pattern(p);
    return g ? g->pattern() : "error: " + g.error();
  };
  EXPECT_EQ(reg("index.docker.io"), "docker.io");
  EXPECT_EQ(reg("Quay.IO"), "quay.io");
  EXPECT_EQ(reg("*.corp.example"), "*.corp.example");
  EXPECT_EQ(reg("harbor.corp.example:8443"), "harbor.corp.example:8443");
  EXPECT_EQ(
      reg("docker.io/library"),
      "error: invalid pattern \"docker.io/library\": a registry is a host[:port] without a path");
  EXPECT_EQ(reg("bad_host"),
            "error: invalid pattern \"bad_host\": '_' cannot appear in a registry host");
  EXPECT_EQ(reg("a..b"), "error: invalid pattern \"a..b\": it is not a valid registry host[:port]");
  EXPECT_EQ(
      reg("**.corp"),
      "error: invalid pattern \"**.corp\": '**' is not allowed here (names have no '/'; use '*')");
  EXPECT_TRUE(compile_registry_pattern("*.corp.example")->matches("harbor.corp.example:8443") ==
              false);
  EXPECT_TRUE(compile_registry_pattern("*.corp.example*")->matches("harbor.corp.example:8443"));
}

TEST(Patterns, PathAndNamePatterns) {
  EXPECT_TRUE(compile_path_pattern("/usr/bin/nc*").ok());
  EXPECT_TRUE(compile_path_pattern("**/sshd").ok());
  EXPECT_EQ(
      compile_path_pattern("usr/bin/nc").error(),
      "invalid pattern \"usr/bin/nc\": file paths are absolute: start it with '/' (or '**/')");
  EXPECT_TRUE(compile_name_pattern("prod-*")->matches("prod-eu"));
  EXPECT_EQ(compile_name_pattern("prod/eu").error(),
            "invalid pattern \"prod/eu\": '/' cannot appear in a name");
}

}  // namespace
}  // namespace portcullis::policy
