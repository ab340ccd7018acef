#include "proxy/oci/route.h"

#include <gtest/gtest.h>

namespace portcullis::proxy::oci {
namespace {

TEST(Route, BaseAndCatalog) {
  EXPECT_EQ(parse_route("/v2/")->endpoint, Endpoint::Base);
  EXPECT_EQ(parse_route("/v2")->endpoint, Endpoint::Base);
  EXPECT_EQ(parse_route("/v2/_catalog")->endpoint, Endpoint::Catalog);
  EXPECT_FALSE(parse_route("/v1/"));
  EXPECT_FALSE(parse_route("/healthz"));
}

TEST(Route, ManifestByTagAndDigest) {
  auto r = parse_route("/v2/apps/web/manifests/1.2.3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint, Endpoint::Manifest);
  EXPECT_EQ(r->name, "apps/web");
  EXPECT_EQ(r->reference, "1.2.3");
  r = parse_route("/v2/registry.corp.example:8443/apps/web/manifests/sha256:abcd");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "registry.corp.example:8443/apps/web");
  EXPECT_EQ(r->reference, "sha256:abcd");
}

TEST(Route, RepositoryNamesMayContainEndpointWords) {
  auto r = parse_route("/v2/team/blobs/manifests/latest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint, Endpoint::Manifest);
  EXPECT_EQ(r->name, "team/blobs");
  r = parse_route("/v2/manifests/tags/list");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint, Endpoint::TagsList);
  EXPECT_EQ(r->name, "manifests");
}

TEST(Route, BlobsUploadsAndReferrers) {
  auto r = parse_route("/v2/a/b/blobs/sha256:00ff");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint, Endpoint::Blob);
  EXPECT_EQ(r->reference, "sha256:00ff");
  r = parse_route("/v2/a/b/blobs/uploads/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint, Endpoint::UploadStart);
  EXPECT_EQ(r->name, "a/b");
  r = parse_route("/v2/a/b/blobs/uploads/3f2a-uuid");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint, Endpoint::Upload);
  EXPECT_EQ(r->reference, "3f2a-uuid");
  r = parse_route("/v2/a/referrers/sha256:1234");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->endpoint, Endpoint::Referrers);
}

TEST(Route, RejectsMalformedPaths) {
  EXPECT_FALSE(parse_route("/v2/a/../b/manifests/latest"));
  EXPECT_FALSE(parse_route("/v2/a/blobs/not-a-digest"));
  EXPECT_FALSE(parse_route("/v2/a/manifests/"));
  EXPECT_FALSE(parse_route("/v2/a//b/manifests/latest"));
  EXPECT_FALSE(parse_route("/v2/a/something/else"));
}

TEST(Route, RoutePathForAnotherName) {
  auto r = parse_route("/v2/registry.corp.example/apps/web/blobs/uploads/u1");
  ASSERT_TRUE(r);
  EXPECT_EQ(route_path(*r, "apps/web"), "/v2/apps/web/blobs/uploads/u1");
}

}  // namespace
}  // namespace portcullis::proxy::oci
