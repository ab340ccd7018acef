#include "proxy/auth/htpasswd.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <cstring>

namespace portcullis::proxy::auth {
namespace {

// A real bcrypt entry made with libcrypt, as `htpasswd -B` would.
std::string bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt), nullptr);
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  return crypt_r(password.c_str(), salt, &data);
}

TEST(Htpasswd, AcceptsTheRightPasswordOnly) {
  auto h = Htpasswd::parse("# comment\nci:" + bcrypt("s3cret") + "\n", "test");
  EXPECT_EQ(h.authenticate("Basic Y2k6czNjcmV0").value_or(""), "ci");  // ci:s3cret
  EXPECT_TRUE(h.cached("Basic Y2k6czNjcmV0"));
  EXPECT_FALSE(h.authenticate("Basic Y2k6d3Jvbmc="));  // ci:wrong
  EXPECT_FALSE(h.authenticate("Basic bm9ib2R5OnMzY3JldA=="));  // nobody:s3cret
  EXPECT_FALSE(h.authenticate("Bearer abc"));
  EXPECT_FALSE(h.authenticate("Basic !!!!"));
}

TEST(Htpasswd, RejectsNonBcryptEntriesAtStartup) {
  try {
    Htpasswd::parse("ok:" + bcrypt("x") + "\nbad:{SHA}abc\n", "users.htpasswd");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "users.htpasswd:2: expected user:bcrypt-hash (create entries with htpasswd -B)");
  }
}

TEST(Htpasswd, DecodeBasic) {
  auto c = decode_basic("Basic dXNlcjpwYTpzcw==");  // user:pa:ss
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "user");
  EXPECT_EQ(c->second, "pa:ss");
  EXPECT_FALSE(decode_basic("Basic dXNlcg=="));  // no colon
}

}  // namespace
}  // namespace portcullis::proxy::auth
