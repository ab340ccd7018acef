// docker-registry in each auth mode, driven with raw HTTP (the client tests use skopeo etc.).
#include "tests/support/registry.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/net.h"
#include "tests/support/token_server.h"

namespace portcullis::testsupport {
namespace {

HttpResponse get(const DockerRegistry& r, const std::string& target,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  return http_request({.port = r.port(), .target = target, .headers = std::move(headers)});
}

std::string basic(const std::string& user, const std::string& pass) {
  return "Basic " + base64_encode(user + ":" + pass);
}

TEST(DockerRegistry, NoAuthServesV2AndLogsRequests) {
  DockerRegistry reg;
  EXPECT_EQ(reg.url(), "http://127.0.0.1:" + std::to_string(reg.port()));
  EXPECT_EQ(get(reg, "/v2/").status, 200);
  HttpResponse missing = get(reg, "/v2/foo/manifests/latest");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("MANIFEST_UNKNOWN"), std::string::npos);
  auto log = reg.wait_for_access_log([](const auto& e) { return e.size() >= 2; });
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log.back().method, "GET");
  EXPECT_EQ(log.back().uri, "/v2/foo/manifests/latest");
  EXPECT_EQ(log.back().status, 404);
  reg.clear_access_log();
  EXPECT_TRUE(reg.access_log_requests().empty());
}

TEST(DockerRegistry, RestartKeepsPortAndStorage) {
  DockerRegistry reg;
  // A monolithic upload: POST, then PUT ?digest= with the body.
  const std::string blob = "hello blob";
  const std::string digest = "sha256:" + sha256_hex(blob);
  HttpResponse post =
      http_request({.method = "POST", .port = reg.port(), .target = "/v2/foo/blobs/uploads/"});
  ASSERT_EQ(post.status, 202) << post.body;
  std::string location = post.header("Location");
  location = location.substr(location.find("/v2/"));
  HttpResponse put = http_request({.method = "PUT",
                                   .port = reg.port(),
                                   .target = location + "&digest=" + digest,
                                   .headers = {{"Content-Type", "application/octet-stream"}},
                                   .body = blob});
  ASSERT_EQ(put.status, 201) << put.body;

  const uint16_t port = reg.port();
  reg.kill(SIGKILL);
  EXPECT_TRUE(wait_until([&] { return !reg.running(); }, 5s));
  EXPECT_EQ(http_get_status("127.0.0.1", port, "/v2/", 1s), -1);
  reg.restart();
  EXPECT_EQ(reg.port(), port);
  HttpResponse head =
      http_request({.method = "HEAD", .port = port, .target = "/v2/foo/blobs/" + digest});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Docker-Content-Digest"), digest);
}

TEST(DockerRegistry, TakenPortIsAnErrorNotAnotherRegistry) {
  DockerRegistry first;
  try {
    DockerRegistry second({.port = first.port()});
    FAIL() << "started on a port that was taken";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("address already in use"), std::string::npos) << e.what();
  }
}

TEST(DockerRegistry, HtpasswdRefusesWithoutCredentials) {
  DockerRegistry reg({.auth = RegistryAuth::Htpasswd("alice", "s3cret")});
  HttpResponse anon = get(reg, "/v2/");
  EXPECT_EQ(anon.status, 401);
  EXPECT_NE(anon.header("WWW-Authenticate").find("Basic"), std::string::npos);
  EXPECT_EQ(get(reg, "/v2/", {{"Authorization", basic("alice", "wrong")}}).status, 401);
  EXPECT_EQ(get(reg, "/v2/", {{"Authorization", basic("alice", "s3cret")}}).status, 200);
}

struct TokenCase {
  KeyType key;
  KeyRef ref;
};

class TokenAuth : public ::testing::TestWithParam<TokenCase> {};

// docker-registry 2.8 accepts ES256 and RS256, with the key named by x5c or by a libtrust kid.
TEST_P(TokenAuth, RegistryAcceptsIssuedTokens) {
  TokenServer ts({.key_type = GetParam().key, .key_ref = GetParam().ref});
  DockerRegistry reg({.auth = RegistryAuth::Token(ts)});

  HttpResponse challenge = get(reg, "/v2/foo/tags/list");
  ASSERT_EQ(challenge.status, 401);
  EXPECT_EQ(challenge.header("WWW-Authenticate"), "Bearer realm=\"" + ts.realm() + "\",service=\"" +
                                                      ts.service() +
                                                      "\",scope=\"repository:foo:pull\"");

  HttpResponse tok =
      http_request({.port = ts.port(),
                    .target = "/token?service=" + ts.service() + "&scope=repository:foo:pull",
                    .headers = {{"Authorization", basic("tokenuser", "tokenpass")}}});
  ASSERT_EQ(tok.status, 200) << tok.body;
  auto body = nlohmann::json::parse(tok.body);
  std::string token = body.at("token");
  EXPECT_EQ(body.at("access_token"), token);
  EXPECT_EQ(body.at("expires_in"), 300);

  // Authorized for foo: the repository simply does not exist yet.
  HttpResponse ok = get(reg, "/v2/foo/tags/list", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(ok.status, 404) << ok.body;
  EXPECT_NE(ok.body.find("NAME_UNKNOWN"), std::string::npos);
  // Not for bar.
  EXPECT_EQ(get(reg, "/v2/bar/tags/list", {{"Authorization", "Bearer " + token}}).status, 401);
  // Expired tokens are refused (distribution allows 60 s of leeway).
  std::string expired =
      ts.issue("tokenuser", {{"repository", "foo", {"pull"}}}, std::chrono::seconds(-120));
  EXPECT_EQ(get(reg, "/v2/foo/tags/list", {{"Authorization", "Bearer " + expired}}).status, 401);
}

INSTANTIATE_TEST_SUITE_P(Keys, TokenAuth,
                         ::testing::Values(TokenCase{KeyType::ES256, KeyRef::X5c},
                                           TokenCase{KeyType::ES256, KeyRef::Kid},
                                           TokenCase{KeyType::RS256, KeyRef::X5c},
                                           TokenCase{KeyType::RS256, KeyRef::Kid}),
                         [](const auto& info) {
                           return std::string(info.param.key == KeyType::ES256 ? "ES256"
                                                                               : "RS256") +
                                  (info.param.ref == KeyRef::X5c ? "_x5c" : "_kid");
                         });

TEST(TokenServer, RefusesBadCredentialsAndRecordsRequests) {
  TokenServer ts;
  auto url = "/token?service=" + ts.service() + "&scope=repository:a/b:pull,push";
  EXPECT_EQ(http_request({.port = ts.port(), .target = url}).status, 401);  // anonymous
  EXPECT_EQ(http_request({.port = ts.port(),
                          .target = url,
                          .headers = {{"Authorization", basic("tokenuser", "nope")}}})
                .status,
            401);
  HttpResponse post =
      http_request({.method = "POST",
                    .port = ts.port(),
                    .target = "/token",
                    .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                    .body = "grant_type=password&username=tokenuser&password=tokenpass"
                            "&service=" +
                            ts.service() + "&scope=repository%3Aa%2Fb%3Apull"});
  EXPECT_EQ(post.status, 200) << post.body;
  auto reqs = ts.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].status, 401);
  EXPECT_EQ(reqs[0].scopes, std::vector<std::string>{"repository:a/b:pull,push"});
  EXPECT_EQ(reqs[2].method, "POST");
  EXPECT_EQ(reqs[2].account, "tokenuser");
  EXPECT_EQ(reqs[2].scopes, std::vector<std::string>{"repository:a/b:pull"});
  EXPECT_EQ(ts.issued_count(), 1u);
}

TEST(TokenServer, AnonymousGetsPullOnly) {
  TokenServer ts({.allow_anonymous = true});
  HttpResponse r =
      http_request({.port = ts.port(), .target = "/token?service=x&scope=repository:a:pull,push"});
  ASSERT_EQ(r.status, 200);
  std::string token = nlohmann::json::parse(r.body).at("token");
  auto claims = nlohmann::json::parse(
      base64_decode(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1)));
  EXPECT_EQ(claims.at("access"),
            nlohmann::json::parse(R"([{"type":"repository","name":"a","actions":["pull"]}])"));
  EXPECT_EQ(claims.at("aud"), ts.service());
  EXPECT_EQ(claims.at("sub"), "");
}

}  // namespace
}  // namespace portcullis::testsupport
