#include "proxy/upstream/www_authenticate.h"

#include <gtest/gtest.h>

namespace portcullis::proxy::upstream {
namespace {

TEST(WwwAuthenticate, BearerChallengeFromDistribution) {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:apps/web:pull,push")");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].param("realm"), "https://auth.example/token");
  EXPECT_EQ((*c)[0].param("service"), "registry.example");
  EXPECT_EQ((*c)[0].param("scope"), "repository:apps/web:pull,push");
}

TEST(WwwAuthenticate, BasicAndEscapesAndSpacing) {
  auto c = parse_www_authenticate(R"(Basic realm="Registry \"Realm\"" ,  charset=UTF-8)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[0].param("realm"), "Registry \"Realm\"");
  EXPECT_EQ((*c)[0].param("charset"), "UTF-8");
}

TEST(WwwAuthenticate, SeveralChallenges) {
  auto c = parse_www_authenticate(R"(Basic realm="a", Bearer realm="https://t/token", service="s")");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[1].scheme, "bearer");
  EXPECT_EQ((*c)[1].param("service"), "s");
}

TEST(WwwAuthenticate, MalformedIsRejected) {
  EXPECT_FALSE(parse_www_authenticate(""));
  EXPECT_FALSE(parse_www_authenticate(R"(Bearer realm="unterminated)"));
  EXPECT_FALSE(parse_www_authenticate("=oops"));
}

TEST(WwwAuthenticate, CaseInsensitiveNames) {
  auto c = parse_www_authenticate(R"(BEARER Realm="r")");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].param("realm"), "r");
}

}  // namespace
}  // namespace portcullis::proxy::upstream
