// The whole harness against real peers, without any proxy: docker-registry in each auth mode,
// a 3-layer image pushed with skopeo, pulled back with skopeo, podman and ctr (directly and
// through mirror configs), digests compared with the built manifest digest.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "tests/support/peers.h"

namespace portcullis::testsupport {
namespace {

constexpr const char* kRepo = "test/app";
constexpr const char* kMirrored = "registry.corp.example";

struct NoAuth {
  static constexpr RegistryAuth::Kind kind = RegistryAuth::Kind::None;
};
struct Htpasswd {
  static constexpr RegistryAuth::Kind kind = RegistryAuth::Kind::Htpasswd;
};
struct Token {
  static constexpr RegistryAuth::Kind kind = RegistryAuth::Kind::Token;
};

// One registry, one pushed image and one containerd per auth mode, shared by its tests.
template <typename Mode>
class Peers : public ::testing::Test {
 protected:
  static constexpr bool kAuth = Mode::kind != RegistryAuth::Kind::None;

  static void SetUpTestSuite() {
    dir = std::make_unique<TempDir>("peers-test");
    RegistryAuth auth;
    if constexpr (Mode::kind == RegistryAuth::Kind::Htpasswd) {
      auth = RegistryAuth::Htpasswd("alice", "s3cret");
    } else if constexpr (Mode::kind == RegistryAuth::Kind::Token) {
      tokens = std::make_unique<TokenServer>();
      auth = RegistryAuth::Token(*tokens);
    }
    registry = std::make_unique<DockerRegistry>(RegistryOptions{.auth = auth});
    image = build_random_image(*dir / "layout", {2000, 300000, 1 << 20}, "v1");
    // Pushed twice: as test/app, and under a path prefix for the registries.conf mirror.
    for (std::string repo : {std::string(kRepo), std::string(kMirrored) + "/" + kRepo}) {
      RunResult push =
          skopeo_copy(image.oci_ref(), "docker://" + registry->host_port() + "/" + repo + ":v1",
                      {.dest_creds = creds(), .log_path = *dir / "skopeo.log"});
      ASSERT_TRUE(push.ok()) << push.describe();
    }
    containerd = std::make_unique<Containerd>();
  }

  static void TearDownTestSuite() {
    containerd.reset();
    registry.reset();
    tokens.reset();
    dir.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(registry) << "suite set-up failed";
    registry->clear_access_log();
    if (tokens) tokens->clear_requests();
  }

  static std::string creds() {
    if constexpr (Mode::kind == RegistryAuth::Kind::Htpasswd) return "alice:s3cret";
    if constexpr (Mode::kind == RegistryAuth::Kind::Token) return "tokenuser:tokenpass";
    return "";
  }
  static std::string ref(const std::string& repo = kRepo) {
    return registry->host_port() + "/" + repo + ":v1";
  }

  // Every layer blob was fetched with a 200 since the test started.
  static void expect_blob_gets(const std::string& repo) {
    auto log = registry->wait_for_access_log([&](const std::vector<AccessLogEntry>& entries) {
      return std::all_of(image.layers.begin(), image.layers.end(), [&](const LayerInfo& l) {
        return std::any_of(entries.begin(), entries.end(), [&](const AccessLogEntry& e) {
          return e.method == "GET" && e.status == 200 &&
                 e.path() == "/v2/" + repo + "/blobs/" + l.digest;
        });
      });
    });
    for (const auto& l : image.layers) {
      bool seen = std::any_of(log.begin(), log.end(), [&](const AccessLogEntry& e) {
        return e.method == "GET" && e.status == 200 &&
               e.path() == "/v2/" + repo + "/blobs/" + l.digest;
      });
      EXPECT_TRUE(seen) << "no GET of " << l.digest << " in " << registry->access_log_path();
    }
  }

  static inline std::unique_ptr<TempDir> dir;
  static inline std::unique_ptr<TokenServer> tokens;
  static inline std::unique_ptr<DockerRegistry> registry;
  static inline std::unique_ptr<Containerd> containerd;
  static inline BuiltImage image;
};

struct ModeNames {
  template <typename T>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<T, NoAuth>) return "NoAuth";
    if constexpr (std::is_same_v<T, Htpasswd>) return "Htpasswd";
    return "Token";
  }
};

using Modes = ::testing::Types<NoAuth, Htpasswd, Token>;
TYPED_TEST_SUITE(Peers, Modes, ModeNames);

TYPED_TEST(Peers, SkopeoPushKeepsTheManifestDigest) {
  DigestResult d = skopeo_inspect_digest("docker://" + this->ref(), {.src_creds = this->creds()});
  ASSERT_TRUE(d.ok()) << d.describe();
  EXPECT_EQ(d.digest, this->image.manifest_digest);
}

TYPED_TEST(Peers, SkopeoPullsEveryBlob) {
  TempDir out;
  RunResult r = skopeo_copy("docker://" + this->ref(), "oci:" + out.path() + ":v1",
                            {.src_creds = this->creds()});
  ASSERT_TRUE(r.ok()) << r.describe();
  auto index = nlohmann::json::parse(read_file(out / "index.json"));
  EXPECT_EQ(index["manifests"][0]["digest"], this->image.manifest_digest);
  this->expect_blob_gets(kRepo);
}

// containers/image sends --creds to the primary registry only; a mirror gets auth.json logins.
TYPED_TEST(Peers, SkopeoPullsThroughRegistriesConfMirror) {
  TempDir conf;
  write_file(conf / "registries.conf",
             registries_conf_with_mirror(kMirrored, this->registry->host_port() + "/" + kMirrored));
  std::map<std::string, std::string> logins;
  if (this->kAuth) logins[this->registry->host_port()] = this->creds();
  DigestResult d =
      skopeo_inspect_digest(std::string("docker://") + kMirrored + "/" + kRepo + ":v1",
                            {.registries_conf = conf / "registries.conf", .logins = logins});
  ASSERT_TRUE(d.ok()) << d.describe();
  EXPECT_EQ(d.digest, this->image.manifest_digest);
}

TYPED_TEST(Peers, PodmanPullsDirectly) {
  Podman podman;
  DigestResult d = podman.pull(this->ref(), {.creds = this->creds()});
  ASSERT_TRUE(d.ok()) << d.describe();
  EXPECT_EQ(d.digest, this->image.manifest_digest);
  this->expect_blob_gets(kRepo);
}

TYPED_TEST(Peers, PodmanPullsThroughPathPrefixMirror) {
  Podman podman;
  podman.set_registries_conf(
      registries_conf_with_mirror(kMirrored, this->registry->host_port() + "/" + kMirrored));
  if (this->kAuth) podman.set_logins({{this->registry->host_port(), this->creds()}});
  DigestResult d = podman.pull(std::string(kMirrored) + "/" + kRepo + ":v1");
  ASSERT_TRUE(d.ok()) << d.describe();
  EXPECT_EQ(d.digest, this->image.manifest_digest);
  this->expect_blob_gets(std::string(kMirrored) + "/" + kRepo);
}

TYPED_TEST(Peers, CtrPullsWithPlainHttp) {
  this->containerd->remove_all_images();
  DigestResult d = this->containerd->pull(this->ref(), {.plain_http = true, .user = this->creds()});
  ASSERT_TRUE(d.ok()) << d.describe();
  EXPECT_EQ(d.digest, this->image.manifest_digest);
  this->expect_blob_gets(kRepo);
}

TYPED_TEST(Peers, CtrPullsThroughHostsTomlMirrorWithNs) {
  TempDir hosts;
  write_hosts_toml(hosts.path(), kMirrored, {{.url = "http://" + this->registry->host_port()}});
  const std::string ref = std::string(kMirrored) + "/" + kRepo + ":v1";
  this->containerd->remove_all_images();
  DigestResult d = this->containerd->pull(ref, {.hosts_dir = hosts.path(), .user = this->creds()});
  ASSERT_TRUE(d.ok()) << d.describe();
  EXPECT_EQ(d.digest, this->image.manifest_digest);
  this->expect_blob_gets(kRepo);
  // containerd names the upstream on every mirror request.
  auto log = this->registry->access_log_requests();
  ASSERT_FALSE(log.empty());
  for (const auto& e : log)
    EXPECT_NE(e.uri.find("ns=registry.corp.example"), std::string::npos) << e.uri;
}

TYPED_TEST(Peers, ClientsWithoutCredentialsAreRefused) {
  if (!this->kAuth) GTEST_SKIP() << "open registry";
  DigestResult anon = skopeo_inspect_digest("docker://" + this->ref());
  EXPECT_FALSE(anon.ok());
  EXPECT_NE(anon.err.find("unauthorized"), std::string::npos) << anon.describe();
  DigestResult wrong =
      skopeo_inspect_digest("docker://" + this->ref(), {.src_creds = "alice:wrong"});
  EXPECT_FALSE(wrong.ok());
  DigestResult ctr = this->containerd->pull(this->ref(), {.plain_http = true});
  EXPECT_FALSE(ctr.ok());
}

TYPED_TEST(Peers, TokenServerSeesTheClientsScopes) {
  if (!this->tokens) GTEST_SKIP() << "not token auth";
  DigestResult d = skopeo_inspect_digest("docker://" + this->ref(), {.src_creds = this->creds()});
  ASSERT_TRUE(d.ok()) << d.describe();
  DigestResult c = this->containerd->pull(this->ref(), {.plain_http = true, .user = this->creds()});
  ASSERT_TRUE(c.ok()) << c.describe();
  auto reqs = this->tokens->requests();
  ASSERT_GE(this->tokens->issued_count(), 2u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.account, "tokenuser");
    EXPECT_EQ(r.service, this->tokens->service());
    EXPECT_NE(std::find(r.scopes.begin(), r.scopes.end(), "repository:test/app:pull"),
              r.scopes.end());
  }
  // skopeo asks with GET; containerd, holding a password, with the OAuth2 POST.
  EXPECT_TRUE(
      std::any_of(reqs.begin(), reqs.end(), [](const auto& r) { return r.method == "GET"; }));
  EXPECT_TRUE(
      std::any_of(reqs.begin(), reqs.end(), [](const auto& r) { return r.method == "POST"; }));

  this->tokens->clear_requests();
  DigestResult bad =
      skopeo_inspect_digest("docker://" + this->ref(), {.src_creds = "tokenuser:nope"});
  EXPECT_FALSE(bad.ok());
  reqs = this->tokens->requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs.back().status, 401);
}

}  // namespace
}  // namespace portcullis::testsupport
