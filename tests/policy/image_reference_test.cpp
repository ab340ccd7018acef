#include "policy/image_reference.h"

#include <gtest/gtest.h>

namespace portcullis::policy {
namespace {

const std::string kHex(64, 'a');
const std::string kDigest = "sha256:" + kHex;

struct Case {
  std::string input;
  std::string registry, repository, tag, digest;
};

class NormaliseTest : public ::testing::TestWithParam<Case> {};

TEST_P(NormaliseTest, Normalises) {
  const Case& c = GetParam();
  auto ref = parse_image_reference(c.input);
  ASSERT_TRUE(ref.ok()) << ref.error();
  EXPECT_EQ(ref->registry, c.registry);
  EXPECT_EQ(ref->repository, c.repository);
  EXPECT_EQ(ref->tag, c.tag);
  EXPECT_EQ(ref->digest, c.digest);
}

INSTANTIATE_TEST_SUITE_P(
    References, NormaliseTest,
    ::testing::Values(
        Case{"nginx", "docker.io", "library/nginx", "latest", ""},
        Case{"nginx:1.25", "docker.io", "library/nginx", "1.25", ""},
        Case{"library/nginx", "docker.io", "library/nginx", "latest", ""},
        Case{"bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", ""},
        Case{"docker.io/nginx", "docker.io", "library/nginx", "latest", ""},
        Case{"index.docker.io/library/nginx", "docker.io", "library/nginx", "latest", ""},
        Case{"registry-1.docker.io/bitnami/redis", "docker.io", "bitnami/redis", "latest", ""},
        Case{"Docker.IO/library/nginx", "docker.io", "library/nginx", "latest", ""},
        Case{"quay.io/org/app:v1.2.3", "quay.io", "org/app", "v1.2.3", ""},
        Case{"harbor.corp.example:8443/apps/api:1.0", "harbor.corp.example:8443", "apps/api", "1.0",
             ""},
        Case{"localhost/app", "localhost", "app", "latest", ""},
        Case{"localhost:5000/a/b/c:tag_1", "localhost:5000", "a/b/c", "tag_1", ""},
        Case{"127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", ""},
        Case{"[::1]:5000/app:x", "[::1]:5000", "app", "x", ""},
        Case{"nginx@" + kDigest, "docker.io", "library/nginx", "", kDigest},
        Case{"nginx:1.25@" + kDigest, "docker.io", "library/nginx", "1.25", kDigest},
        Case{"registry.corp.example/library/tomcat:8.0.53-jdk11", "registry.corp.example",
             "library/tomcat", "8.0.53-jdk11", ""},
        Case{"gcr.io/distroless/static-debian12:nonroot", "gcr.io", "distroless/static-debian12",
             "nonroot", ""},
        Case{"a.b/x__y/z-w.v:T", "a.b", "x__y/z-w.v", "T", ""},
        Case{"ghcr.io/o/a---b", "ghcr.io", "o/a---b", "latest", ""}));

TEST(ImageReference, ToStringAndName) {
  auto ref = parse_image_reference("nginx:1.25@" + kDigest);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->name(), "docker.io/library/nginx");
  EXPECT_EQ(ref->to_string(), "docker.io/library/nginx:1.25@" + kDigest);
  EXPECT_EQ(parse_image_reference("nginx")->to_string(), "docker.io/library/nginx:latest");
}

struct Bad {
  std::string input;
  std::string error;
};

class RejectTest : public ::testing::TestWithParam<Bad> {};

TEST_P(RejectTest, RejectsWithClearError) {
  auto ref = parse_image_reference(GetParam().input);
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.error(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    References, RejectTest,
    ::testing::Values(
        Bad{"", "invalid image reference: it is empty"},
        Bad{"docker.io/Library/nginx",
            "invalid image reference \"docker.io/Library/nginx\": repository path component "
            "\"Library\" must be lower case"},
        Bad{"nginx:", "invalid image reference \"nginx:\": the tag after ':' is empty"},
        Bad{"nginx@", "invalid image reference \"nginx@\": the digest after '@' is empty"},
        Bad{"nginx:-bad",
            "invalid image reference \"nginx:-bad\": tag \"-bad\" must start with a "
            "letter, digit or '_'"},
        Bad{"nginx:a+b",
            "invalid image reference \"nginx:a+b\": tag \"a+b\" contains an invalid character '+'"},
        Bad{"nginx@sha256:abc",
            "invalid image reference \"nginx@sha256:abc\": digest "
            "\"sha256:abc\" must have 64 lower-case hex digits after sha256:"},
        Bad{"nginx@md5:" + std::string(32, 'a'),
            "invalid image reference \"nginx@md5:" + std::string(32, 'a') +
                "\": digest algorithm \"md5\" is not supported (use sha256 or sha512)"},
        Bad{"nginx@sha256:" + std::string(64, 'A'),
            "invalid image reference \"nginx@sha256:" + std::string(64, 'A') +
                "\": digest \"sha256:" + std::string(64, 'A') +
                "\" must have 64 lower-case hex digits after sha256:"},
        Bad{"a..b/x",
            "invalid image reference \"a..b/x\": registry \"a..b\" is not a valid host "
            "name"},
        Bad{"host:99999/x",
            "invalid image reference \"host:99999/x\": registry \"host:99999\" has an invalid "
            "port"},
        Bad{"quay.io/a//b",
            "invalid image reference \"quay.io/a//b\": repository has an empty path component"},
        Bad{"quay.io/a/-b",
            "invalid image reference \"quay.io/a/-b\": repository path component "
            "\"-b\" must start and end with a letter or digit"},
        Bad{"quay.io/a/b..c",
            "invalid image reference \"quay.io/a/b..c\": repository path "
            "component \"b..c\" has an invalid separator \"..\""},
        Bad{"nginx latest",
            "invalid image reference \"nginx latest\": it contains whitespace or control "
            "characters"},
        Bad{"quay.io/", "invalid image reference \"quay.io/\": repository is empty"}));

TEST(ImageReference, LongNamesAndTagsAreRejected) {
  EXPECT_FALSE(parse_image_reference("quay.io/" + std::string(250, 'a')).ok());
  EXPECT_FALSE(parse_image_reference("nginx:" + std::string(129, 'a')).ok());
  EXPECT_TRUE(parse_image_reference("nginx:" + std::string(128, 'a')).ok());
  EXPECT_FALSE(parse_image_reference(std::string(5000, 'a')).ok());
}

TEST(ImageReference, CanonicalRegistry) {
  EXPECT_EQ(canonical_registry("docker.io"), "docker.io");
  EXPECT_EQ(canonical_registry("index.docker.io"), "docker.io");
  EXPECT_EQ(canonical_registry("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(canonical_registry("Registry.Corp.Example:8443"), "registry.corp.example:8443");
  EXPECT_EQ(canonical_registry("quay.io"), "quay.io");
}

TEST(ImageReference, FromProxyParts) {
  auto ref = make_image_reference("index.docker.io", "nginx", "1.25");
  ASSERT_TRUE(ref.ok()) << ref.error();
  EXPECT_EQ(ref->to_string(), "docker.io/library/nginx:1.25");
  auto by_digest = make_image_reference("quay.io", "org/app", kDigest);
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(by_digest->tag, "");
  EXPECT_EQ(by_digest->digest, kDigest);
  EXPECT_FALSE(make_image_reference("quay.io", "Org/app", "1").ok());
  EXPECT_FALSE(make_image_reference("quay.io", "org/app", "sha256:zz").ok());
}

TEST(ImageReference, Validators) {
  EXPECT_TRUE(is_valid_tag("8.0.53-jdk11"));
  EXPECT_FALSE(is_valid_tag(".x"));
  EXPECT_TRUE(is_valid_digest(kDigest));
  EXPECT_TRUE(is_valid_digest("sha512:" + std::string(128, '0')));
  EXPECT_FALSE(is_valid_digest("sha256:" + std::string(63, '0')));
  EXPECT_TRUE(is_valid_repository("library/nginx"));
  EXPECT_FALSE(is_valid_repository("library/Nginx"));
  EXPECT_TRUE(is_valid_registry("harbor.corp.example:8443"));
  EXPECT_FALSE(is_valid_registry("harbor.corp.example:"));
}

}  // namespace
}  // namespace portcullis::policy
