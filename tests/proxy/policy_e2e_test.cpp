// Pull-time enforcement of Trust Manifests through the proxy, with real
// docker-registry, skopeo and containerd: the client sees the verdict's reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/proxy/proxy_fixture.h"
#include "tests/support/clients.h"
#include "tests/support/image.h"
#include "tests/support/registry.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
constexpr const char* kRegistry = "registry.corp.example";
constexpr const char* kOci = "application/vnd.oci.image.manifest.v1+json";

constexpr const char* kTomcatOnly = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: tomcat-8.0-only}
spec:
  mode: enforce
  registries:
    allow: ["registry.corp.example"]
  images:
    allow:
      - repository: "registry.corp.example/library/tomcat"
        versions: ">=8.0 <8.1"
      - repository: "registry.corp.example/apps/**"
    deny:
      - repository: "**/abc"
)";

class PolicyE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new DockerRegistry();
    work_ = new TempDir("policy-e2e");
    OciLayoutBuilder builder(work_->path() + "/layout");
    builder.add_random_layer(32 * 1024);
    image_ = new BuiltImage(builder.build("img"));
    for (const auto* ref : {"library/tomcat:8.0.53", "library/tomcat:9.0.1", "apps/abc:1.0", "apps/web:1.0"}) {
      auto push = skopeo_copy(image_->oci_ref(), "docker://" + registry_->host_port() + "/" + ref);
      ASSERT_TRUE(push.ok()) << push.describe();
    }
  }
  static void TearDownTestSuite() {
    delete image_;
    delete work_;
    delete registry_;
  }

  // A proxy whose manifests directory holds `files` (name -> YAML).
  std::unique_ptr<ProxyInstance> proxy_with(const std::map<std::string, std::string>& files,
                                            const std::string& cluster = "prod-eu-1") {
    manifests_ = std::make_unique<TempDir>("manifests");
    for (const auto& [name, text] : files) write_file(manifests_->path() + "/" + name, text);
    ProxyOptions o{{{kRegistry, registry_->url()}}, kRegistry};
    o.extra_yaml = "manifests: [" + manifests_->path() + "]\ncluster: " + cluster + "\n";
    return std::make_unique<ProxyInstance>(o);
  }

  static DockerRegistry* registry_;
  static TempDir* work_;
  static BuiltImage* image_;
  std::unique_ptr<TempDir> manifests_;
};
DockerRegistry* PolicyE2E::registry_ = nullptr;
TempDir* PolicyE2E::work_ = nullptr;
BuiltImage* PolicyE2E::image_ = nullptr;

TEST_F(PolicyE2E, SkopeoSeesAllowAndDenyWithTheRuleThatDecided) {
  auto proxy = proxy_with({{"tomcat.yaml", kTomcatOnly}});
  const std::string base = "docker://" + proxy->host_port() + "/registry.corp.example/";

  auto allowed = skopeo_inspect_digest(base + "library/tomcat:8.0.53");
  ASSERT_TRUE(allowed.ok()) << allowed.describe();
  EXPECT_EQ(allowed.digest, image_->manifest_digest);
  EXPECT_TRUE(skopeo_inspect_digest(base + "apps/web:1.0").ok());

  auto wrong_version = skopeo_inspect_digest(base + "library/tomcat:9.0.1");
  EXPECT_FALSE(wrong_version.ok());
  EXPECT_NE(wrong_version.err.find("image registry.corp.example/library/tomcat:9.0.1 is denied by policy: "
                                   "tomcat-8.0-only (images.allow)"),
            std::string::npos)
      << wrong_version.err;

  auto abc = skopeo_inspect_digest(base + "apps/abc:1.0");
  EXPECT_FALSE(abc.ok());
  EXPECT_NE(abc.err.find("tomcat-8.0-only (images.deny)"), std::string::npos) << abc.err;
}

TEST_F(PolicyE2E, DeniedBodyNamesManifestRuleAndImage) {
  auto proxy = proxy_with({{"tomcat.yaml", kTomcatOnly}});
  registry_->clear_access_log();
  auto res = proxy->request("HEAD", "/v2/library/tomcat/manifests/9.0.1", {{"Accept", kOci}});
  EXPECT_EQ(res.status, 403);
  auto get = proxy->request("GET", "/v2/library/tomcat/manifests/9.0.1", {{"Accept", kOci}});
  ASSERT_EQ(get.status, 403);
  auto error = nlohmann::json::parse(get.body)["errors"][0];
  EXPECT_EQ(error["code"], "DENIED");
  ASSERT_TRUE(error["detail"].is_array());
  EXPECT_EQ(error["detail"][0]["manifest"], "tomcat-8.0-only");
  EXPECT_EQ(error["detail"][0]["rule"], "images.allow");
  // Nothing was asked of the upstream for a denied tag.
  for (const auto& e : registry_->access_log_requests()) EXPECT_EQ(e.uri.find("9.0.1"), std::string::npos);
}

TEST_F(PolicyE2E, ContainerdTagThenDigestFlowIsJudgedByTheTag) {
  auto proxy = proxy_with({{"tomcat.yaml", kTomcatOnly}});
  Containerd containerd;
  TempDir hosts("hosts");
  // Portcullis is the server too, so the node cannot fall back to the registry itself.
  write_hosts_toml(hosts.path(), kRegistry, {{"http://" + proxy->host_port()}}, "http://" + proxy->host_port());
  auto ok = containerd.pull(std::string(kRegistry) + "/library/tomcat:8.0.53", {.hosts_dir = hosts.path()});
  ASSERT_TRUE(ok.ok()) << ok.describe();
  EXPECT_EQ(ok.digest, image_->manifest_digest);
  // The by-digest GET that followed the tag was allowed because the tag was remembered.
  EXPECT_NE(proxy->access_log().find("\"decision\":\"allow\",\"duration_ms\""), std::string::npos);

  auto denied = containerd.pull(std::string(kRegistry) + "/library/tomcat:9.0.1", {.hosts_dir = hosts.path()});
  EXPECT_FALSE(denied.ok());
  // ctr shows the status, not the error body; the proxy's log holds the reason.
  EXPECT_NE((denied.out + denied.err).find("[manifests 9.0.1]: 403 Forbidden"), std::string::npos)
      << denied.describe();
  EXPECT_NE(proxy->access_log().find("\"decision\":\"deny:policy\""), std::string::npos);
}

TEST_F(PolicyE2E, UnseenDigestsAreJudgedOnTheRepositoryAlone) {
  auto proxy = proxy_with({{"tomcat.yaml", kTomcatOnly}});
  const auto by_digest = "/v2/library/tomcat/manifests/" + image_->manifest_digest;
  EXPECT_EQ(proxy->request("GET", by_digest, {{"Accept", kOci}}).status, 200);  // tomcat is an allowed repository
  auto abc = proxy->request("GET", "/v2/apps/abc/manifests/" + image_->manifest_digest, {{"Accept", kOci}});
  EXPECT_EQ(abc.status, 403);  // the repository itself is denied
}

TEST_F(PolicyE2E, AuditModeAllowsAndWarns) {
  std::string audit = kTomcatOnly;
  audit.replace(audit.find("mode: enforce"), 13, "mode: audit");
  auto proxy = proxy_with({{"tomcat.yaml", audit}});
  auto res = proxy->request("GET", "/v2/library/tomcat/manifests/9.0.1", {{"Accept", kOci}});
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.header("Warning").find("audit tomcat-8.0-only (images.allow)"), std::string::npos)
      << res.header("Warning");
}

TEST_F(PolicyE2E, ScopesDecideWhichManifestsApplyAtPullTime) {
  const std::string deny_all_namespaced = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: payments-only}
spec:
  scope: {namespaces: ["payments"]}
  images: {deny: [{repository: "**"}]}
)";
  const std::string deny_all_prod = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: prod-lockdown}
spec:
  scope: {clusters: ["prod-*"]}
  images: {deny: [{repository: "**"}]}
)";
  // Namespaced manifests are left to the admission webhook: no namespace is known at pull time.
  auto dev = proxy_with({{"a.yaml", deny_all_namespaced}, {"b.yaml", deny_all_prod}}, "dev-local");
  EXPECT_EQ(dev->request("GET", "/v2/apps/web/manifests/1.0", {{"Accept", kOci}}).status, 200);
  auto prod = proxy_with({{"a.yaml", deny_all_namespaced}, {"b.yaml", deny_all_prod}}, "prod-eu-1");
  auto res = prod->request("GET", "/v2/apps/web/manifests/1.0", {{"Accept", kOci}});
  EXPECT_EQ(res.status, 403);
  EXPECT_NE(res.body.find("prod-lockdown (images.deny)"), std::string::npos) << res.body;
  EXPECT_EQ(res.body.find("payments-only"), std::string::npos) << res.body;
}

TEST_F(PolicyE2E, ReloadKeepsThePreviousPolicyWhenTheNewOneIsBroken) {
  auto proxy = proxy_with({{"tomcat.yaml", kTomcatOnly}});
  const auto status = [&] { return nlohmann::json::parse(proxy->request("GET", "/api/policy").body); };
  const auto first = status()["revision"].get<std::string>();
  const auto file = manifests_->path() + "/tomcat.yaml";

  write_file(file, std::string(kTomcatOnly) + "  bogus: true\n");
  EXPECT_FALSE(proxy->server().reload_policy());
  auto after_bad = status();
  EXPECT_EQ(after_bad["revision"], first);
  EXPECT_NE(after_bad["lastReloadError"].get<std::string>().find(file + ":15:3: spec: unknown key \"bogus\""),
            std::string::npos)
      << after_bad.dump();
  EXPECT_EQ(proxy->request("GET", "/v2/library/tomcat/manifests/9.0.1", {{"Accept", kOci}}).status, 403);

  // A valid change is picked up from the file alone (no signal), within the watcher's period.
  std::string relaxed = kTomcatOnly;
  relaxed.replace(relaxed.find(">=8.0 <8.1"), 10, ">=8.0 <10");
  write_file(file, relaxed);
  ASSERT_TRUE(wait_until([&] { return status()["revision"] != first; }, std::chrono::seconds(10)));
  EXPECT_EQ(status()["lastReloadError"], "");
  EXPECT_EQ(proxy->request("GET", "/v2/library/tomcat/manifests/9.0.1", {{"Accept", kOci}}).status, 200);
}

}  // namespace
}  // namespace portcullis::testing
