#include "proxy/oci/addressing.h"

#include <gtest/gtest.h>

namespace portcullis::proxy::oci {
namespace {

const UpstreamDirectory kDir({"registry.corp.example", "harbor.corp.example:8443", "docker.io"});

Addressed ok(const std::variant<Addressed, AddressingError>& v) {
  EXPECT_TRUE(std::holds_alternative<Addressed>(v)) << std::get<AddressingError>(v).message;
  return std::get<Addressed>(v);
}

TEST(Addressing, NamespaceParameterSelectsUpstream) {
  auto a = ok(kDir.resolve("harbor.corp.example:8443", "apps/web", ""));
  EXPECT_EQ(a.upstream, 1u);
  EXPECT_EQ(a.mode, AddressMode::Namespace);
  EXPECT_EQ(a.repository, "apps/web");
}

TEST(Addressing, PathPrefixSelectsUpstreamAndIsStripped) {
  auto a = ok(kDir.resolve(std::nullopt, "registry.corp.example/apps/web", ""));
  EXPECT_EQ(a.upstream, 0u);
  EXPECT_EQ(a.mode, AddressMode::PathPrefix);
  EXPECT_EQ(a.client_prefix, "registry.corp.example");
  EXPECT_EQ(a.repository, "apps/web");
}

TEST(Addressing, DefaultUpstreamForPlainRepositories) {
  auto a = ok(kDir.resolve(std::nullopt, "apps/web", "registry.corp.example"));
  EXPECT_EQ(a.mode, AddressMode::Default);
  EXPECT_EQ(a.repository, "apps/web");
}

TEST(Addressing, DockerHubAliasesAreOneRegistry) {
  EXPECT_EQ(ok(kDir.resolve("index.docker.io", "library/nginx", "")).upstream, 2u);
  EXPECT_EQ(ok(kDir.resolve("registry-1.docker.io", "library/nginx", "")).upstream, 2u);
  EXPECT_EQ(ok(kDir.resolve(std::nullopt, "index.docker.io/library/nginx", "")).upstream, 2u);
  EXPECT_EQ(canonical_registry("Registry-1.Docker.IO"), "docker.io");
}

TEST(Addressing, UnknownRegistryIsRefusedWithTheApprovedList) {
  auto v = kDir.resolve("evil.example.com", "x", "registry.corp.example");
  ASSERT_TRUE(std::holds_alternative<AddressingError>(v));
  EXPECT_EQ(std::get<AddressingError>(v).message,
            "registry evil.example.com is not approved by this proxy; approved registries: "
            "registry.corp.example, harbor.corp.example:8443, docker.io");
  v = kDir.resolve(std::nullopt, "quay.io/org/app", "registry.corp.example");
  ASSERT_TRUE(std::holds_alternative<AddressingError>(v));
  EXPECT_NE(std::get<AddressingError>(v).message.find("registry quay.io is not approved"), std::string::npos);
}

TEST(Addressing, NoRegistryAndNoDefaultIsRefused) {
  auto v = kDir.resolve(std::nullopt, "apps/web", "");
  ASSERT_TRUE(std::holds_alternative<AddressingError>(v));
  EXPECT_NE(std::get<AddressingError>(v).message.find("no registry named"), std::string::npos);
}

TEST(Addressing, LocationRewriteKeepsClientsOnTheProxy) {
  Addressed prefix{0, AddressMode::PathPrefix, "registry.corp.example", "apps/web"};
  EXPECT_EQ(rewrite_location("http://127.0.0.1:5001/v2/apps/web/blobs/uploads/u1?_state=abc%3D", "http://127.0.0.1:5001",
                             prefix),
            "/v2/registry.corp.example/apps/web/blobs/uploads/u1?_state=abc%3D");
  Addressed ns{0, AddressMode::Namespace, "registry.corp.example", "apps/web"};
  EXPECT_EQ(rewrite_location("/v2/apps/web/blobs/uploads/u1?_state=x", "http://127.0.0.1:5001", ns),
            "/v2/apps/web/blobs/uploads/u1?_state=x&ns=registry.corp.example");
  Addressed dflt{0, AddressMode::Default, "", "apps/web"};
  EXPECT_EQ(rewrite_location("http://127.0.0.1:5001/v2/apps/web/manifests/sha256:ab", "http://127.0.0.1:5001", dflt),
            "/v2/apps/web/manifests/sha256:ab");
}

TEST(Addressing, StorageRedirectsOnOtherHostsAreLeftAlone) {
  Addressed prefix{0, AddressMode::PathPrefix, "registry.corp.example", "apps/web"};
  const std::string s3 = "https://bucket.s3.example.com/docker/blobs/ab?X-Amz-Signature=1";
  EXPECT_EQ(rewrite_location(s3, "http://127.0.0.1:5001", prefix), s3);
}

TEST(Addressing, LinkHeaderRewrite) {
  Addressed prefix{0, AddressMode::PathPrefix, "registry.corp.example", "apps/web"};
  EXPECT_EQ(rewrite_link_header("</v2/apps/web/tags/list?last=b&n=2>; rel=\"next\"", "http://127.0.0.1:5001", prefix),
            "</v2/registry.corp.example/apps/web/tags/list?last=b&n=2>; rel=\"next\"");
}

}  // namespace
}  // namespace portcullis::proxy::oci
