#include <gtest/gtest.h>

#include "proxy/registry/registry_handler.h"

namespace portcullis::proxy::registry {
namespace {

TEST(Scopes, ActionsFollowTheMethod) {
  oci::Route manifest{oci::Endpoint::Manifest, "registry.corp.example/apps/web", "latest"};
  EXPECT_EQ(scopes_for(http::verb::get, manifest, "apps/web", ""), "repository:apps/web:pull");
  EXPECT_EQ(scopes_for(http::verb::head, manifest, "apps/web", ""), "repository:apps/web:pull");
  EXPECT_EQ(scopes_for(http::verb::put, manifest, "apps/web", ""), "repository:apps/web:pull,push");
  EXPECT_EQ(scopes_for(http::verb::delete_, manifest, "apps/web", ""), "repository:apps/web:delete");
}

TEST(Scopes, CrossRepositoryMountNeedsPullOnTheSource) {
  oci::Route start{oci::Endpoint::UploadStart, "apps/web", ""};
  EXPECT_EQ(scopes_for(http::verb::post, start, "apps/web", "apps/base"),
            "repository:apps/web:pull,push repository:apps/base:pull");
}

TEST(Scopes, Catalog) {
  oci::Route catalog{oci::Endpoint::Catalog, "", ""};
  EXPECT_EQ(scopes_for(http::verb::get, catalog, "", ""), "registry:catalog:*");
}

}  // namespace
}  // namespace portcullis::proxy::registry
