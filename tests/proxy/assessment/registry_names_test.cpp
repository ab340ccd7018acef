#include <gtest/gtest.h>

#include "proxy/assessment/registry_reader.h"
#include "proxy/assessment/upstream_registry_reader.h"

namespace portcullis::proxy::assessment {
namespace {

TEST(RegistryNames, Repositories) {
  for (const char* ok :
       {"nginx", "library/nginx", "apps/web-frontend", "a/b/c", "my_repo", "a__b", "a.b", "x--y"})
    EXPECT_TRUE(is_valid_repository(ok)) << ok;
  for (const char* bad : {"", "/nginx", "nginx/", "a//b", "UPPER", "../etc", "a/../b", "a b", "a?b",
                          "-a", "a.", "a...b", "a%2fb"})
    EXPECT_FALSE(is_valid_repository(bad)) << bad;
}

TEST(RegistryNames, References) {
  EXPECT_TRUE(is_valid_reference("v1.2.3-rc_1"));
  EXPECT_TRUE(is_valid_reference("sha256:" + std::string(64, 'a')));
  EXPECT_FALSE(is_valid_reference(".hidden"));
  EXPECT_FALSE(is_valid_reference("sha256:ABC"));
  EXPECT_FALSE(is_valid_reference(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_reference("a/b"));
}

TEST(SameOriginRedirect, StaysOnTheOriginOrIsRefused) {
  upstream::Origin origin{false, "127.0.0.1", "5000", nullptr};
  const std::string blob = "/v2/apps/web/blobs/sha256:" + std::string(64, 'a');
  EXPECT_EQ(same_origin_target(origin, blob, "/v2/other/blobs/x?token=1"),
            "/v2/other/blobs/x?token=1");
  EXPECT_EQ(same_origin_target(origin, blob, "http://127.0.0.1:5000/storage/x"), "/storage/x");
  EXPECT_EQ(same_origin_target(origin, blob, "storage/x"), "/v2/apps/web/blobs/storage/x");
  EXPECT_FALSE(same_origin_target(origin, blob, "https://127.0.0.1:5000/storage/x"));
  EXPECT_FALSE(same_origin_target(origin, blob, "http://127.0.0.1:5001/storage/x"));
  EXPECT_FALSE(same_origin_target(origin, blob, "http://s3.example.com/bucket/x"));
  EXPECT_FALSE(same_origin_target(origin, blob, "//evil.example/x"));
  EXPECT_FALSE(same_origin_target(origin, blob, ""));
  upstream::Origin https{true, "Registry.Example", "443", nullptr};
  EXPECT_EQ(same_origin_target(https, blob, "https://registry.example/x"), "/x");
  EXPECT_EQ(same_origin_target(https, blob, "https://registry.example:443/x"), "/x");
}

TEST(StatusError, MapsStatusesToCodes) {
  EXPECT_EQ(status_error(http::status::not_found, "GET x").code, Errc::not_found);
  EXPECT_EQ(status_error(http::status::forbidden, "GET x").code, Errc::unauthorized);
  EXPECT_EQ(status_error(http::status::service_unavailable, "GET x").code, Errc::upstream);
  EXPECT_EQ(status_error(http::status::service_unavailable, "GET x").message,
            "GET x: the upstream answered 503");
}

}  // namespace
}  // namespace portcullis::proxy::assessment
