// End-to-end: real docker-registry upstreams (no auth, htpasswd, token), real
// clients (skopeo, podman, ctr), and the Portcullis server in between.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "tests/proxy/proxy_fixture.h"
#include "tests/proxy/raw_client.h"
#include "tests/support/clients.h"
#include "tests/support/htpasswd.h"
#include "tests/support/image.h"
#include "tests/support/registry.h"
#include "tests/support/token_server.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
constexpr const char* kRegistry = "registry.corp.example";
// These suites test the relay itself: blobs are fetched by digest without
// first pulling a manifest, so strict blob gating is off here (it has its own tests).
constexpr const char* kRawRelay = "strictBlobs: false\n";
constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";

std::string sha256_digest(std::string_view bytes) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned char c : d) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string layout_manifest_digest(const std::string& layout_dir) {
  auto index = nlohmann::json::parse(read_file(layout_dir + "/index.json"));
  return index["manifests"][0]["digest"];
}

BuiltImage build_image(const TempDir& dir, const std::vector<uint64_t>& layer_sizes, const std::string& tag = "v1") {
  OciLayoutBuilder builder(dir.path() + "/layout");
  for (auto size : layer_sizes) builder.add_random_layer(size);
  return builder.build(tag);
}

// ---------------------------------------------------------------------------
// Push and pull with skopeo through the proxy, for each kind of upstream auth.

enum class UpstreamAuthKind { None, Htpasswd, Token };

class ProxyPushPull : public ::testing::TestWithParam<UpstreamAuthKind> {};

TEST_P(ProxyPushPull, SkopeoPushesAndPullsAMultiLayerImageByteForByte) {
  std::unique_ptr<TokenServer> tokens;
  RegistryOptions ro;
  ProxyUpstream up{kRegistry, ""};
  switch (GetParam()) {
    case UpstreamAuthKind::None: break;
    case UpstreamAuthKind::Htpasswd:
      ro.auth = RegistryAuth::Htpasswd("robot", "robot-pass");
      up.username = "robot";
      up.password = "robot-pass";
      break;
    case UpstreamAuthKind::Token:
      tokens = std::make_unique<TokenServer>();
      ro.auth = RegistryAuth::Token(*tokens);
      up.username = "tokenuser";
      up.password = "tokenpass";
      break;
  }
  DockerRegistry registry(ro);
  up.url = registry.url();
  ProxyInstance proxy({{up}});

  TempDir work("e2e-push");
  const auto image = build_image(work, {1 << 20, 300 * 1024, 2 << 20});
  const std::string through_proxy = "docker://" + proxy.host_port() + "/" + kRegistry + "/apps/web:v1";

  auto push = skopeo_copy(image.oci_ref(), through_proxy);
  ASSERT_TRUE(push.ok()) << push.describe();

  // The upstream holds exactly the manifest we built (read directly, with upstream credentials).
  SkopeoOptions direct;
  if (!up.username.empty()) direct.src_creds = up.username + ":" + up.password;
  auto upstream_digest = skopeo_inspect_digest("docker://" + registry.host_port() + "/apps/web:v1", direct);
  ASSERT_TRUE(upstream_digest.ok()) << upstream_digest.describe();
  EXPECT_EQ(upstream_digest.digest, image.manifest_digest);

  // Pull it back through the proxy into a fresh layout: same manifest digest, same blobs.
  const size_t tokens_before = tokens ? tokens->request_count() : 0;
  const std::string out = work.path() + "/pulled";
  auto pull = skopeo_copy(through_proxy, "oci:" + out + ":v1");
  ASSERT_TRUE(pull.ok()) << pull.describe();
  EXPECT_EQ(layout_manifest_digest(out), image.manifest_digest);
  for (const auto& layer : image.layers) {
    const auto path = out + "/blobs/sha256/" + layer.digest.substr(7);
    EXPECT_EQ(sha256_digest(read_file(path)), layer.digest);
  }

  if (tokens) {
    // Pulls of one repository reuse one cached token: a handful of requests, not one per call.
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(skopeo_inspect_digest(through_proxy).ok());
    EXPECT_LE(tokens->request_count() - tokens_before, 1u);
    for (const auto& r : tokens->requests()) EXPECT_EQ(r.account, "tokenuser");
  }
}

INSTANTIATE_TEST_SUITE_P(UpstreamAuth, ProxyPushPull,
                         ::testing::Values(UpstreamAuthKind::None, UpstreamAuthKind::Htpasswd,
                                           UpstreamAuthKind::Token),
                         [](const auto& info) {
                           switch (info.param) {
                             case UpstreamAuthKind::None: return std::string("NoAuth");
                             case UpstreamAuthKind::Htpasswd: return std::string("Htpasswd");
                             default: return std::string("Token");
                           }
                         });

// ---------------------------------------------------------------------------
// One upstream without auth, one proxy, one image: the rest of the behaviours.

class ProxyE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new DockerRegistry();
    work_ = new TempDir("e2e-shared");
    image_ = new BuiltImage(build_image(*work_, {512 * 1024, 64 * 1024}));
    auto push = skopeo_copy(image_->oci_ref(), "docker://" + registry_->host_port() + "/apps/web:v1");
    ASSERT_TRUE(push.ok()) << push.describe();
  }
  static void TearDownTestSuite() {
    delete image_;
    delete work_;
    delete registry_;
  }
  ProxyOptions options(bool with_default = true) const {
    ProxyOptions o{{{kRegistry, registry_->url()}}};
    o.extra_yaml = kRawRelay;
    if (with_default) o.default_upstream = kRegistry;
    return o;
  }

  static DockerRegistry* registry_;
  static TempDir* work_;
  static BuiltImage* image_;
};
DockerRegistry* ProxyE2E::registry_ = nullptr;
TempDir* ProxyE2E::work_ = nullptr;
BuiltImage* ProxyE2E::image_ = nullptr;

TEST_F(ProxyE2E, PodmanPullsThroughAPathPrefixMirror) {
  ProxyInstance proxy(options(false));
  Podman podman;
  podman.set_registries_conf(registries_conf_with_mirror(kRegistry, proxy.host_port() + "/" + kRegistry));
  auto pulled = podman.pull(std::string(kRegistry) + "/apps/web:v1");
  ASSERT_TRUE(pulled.ok()) << pulled.describe();
  EXPECT_EQ(pulled.digest, image_->manifest_digest);
  EXPECT_NE(proxy.access_log().find("/v2/registry.corp.example/apps/web/manifests/v1"), std::string::npos);
}

TEST_F(ProxyE2E, ContainerdPullsThroughHostsTomlWithNs) {
  ProxyInstance proxy(options(false));  // no default upstream: only ?ns= can address it
  Containerd containerd;
  TempDir hosts("hosts");
  write_hosts_toml(hosts.path(), kRegistry, {{"http://" + proxy.host_port()}});
  auto pulled = containerd.pull(std::string(kRegistry) + "/apps/web:v1", {.hosts_dir = hosts.path()});
  ASSERT_TRUE(pulled.ok()) << pulled.describe();
  EXPECT_EQ(pulled.digest, image_->manifest_digest);
  const auto log = proxy.access_log();
  EXPECT_NE(log.find("\"path\":\"/v2/apps/web/manifests/" + image_->manifest_digest + "\""), std::string::npos)
      << log;
  for (const auto& layer : image_->layers)
    EXPECT_NE(log.find("/v2/apps/web/blobs/" + layer.digest), std::string::npos) << layer.digest;
}

TEST_F(ProxyE2E, UnknownRegistriesAreDeniedWithTheApprovedList) {
  ProxyInstance proxy(options());
  for (const auto& target : {std::string("/v2/quay.io/org/app/manifests/latest"),
                             std::string("/v2/apps/web/manifests/v1?ns=evil.example.com")}) {
    SCOPED_TRACE(target);
    auto res = proxy.request("GET", target);
    EXPECT_EQ(res.status, 403);
    auto body = nlohmann::json::parse(res.body);
    EXPECT_EQ(body["errors"][0]["code"], "DENIED");
    EXPECT_NE(body["errors"][0]["message"].get<std::string>().find("approved registries: registry.corp.example"),
              std::string::npos)
        << res.body;
  }
  // Nothing reached the upstream for those requests.
  for (const auto& e : registry_->access_log_requests()) EXPECT_EQ(e.uri.find("org/app"), std::string::npos);
}

TEST_F(ProxyE2E, ManifestHeadAndGetKeepDigestTypeAndEveryAcceptLine) {
  ProxyInstance proxy(options());
  const std::string target = "/v2/apps/web/manifests/v1";
  // docker-registry serves an OCI manifest only when an Accept line lists it; here it is the second line.
  auto res = proxy.request("GET", target,
                           {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}, {"Accept", kOciManifest}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, image_->manifest);
  EXPECT_EQ(res.header("Docker-Content-Digest"), image_->manifest_digest);
  EXPECT_EQ(res.header("Content-Type"), kOciManifest);

  auto head = proxy.request("HEAD", target, {{"Accept", kOciManifest}});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Docker-Content-Digest"), image_->manifest_digest);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(image_->manifest.size()));
  EXPECT_TRUE(head.body.empty());

  auto unknown = proxy.request("GET", "/v2/apps/web/manifests/nope", {{"Accept", kOciManifest}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(nlohmann::json::parse(unknown.body)["errors"][0]["code"], "MANIFEST_UNKNOWN");
}

TEST_F(ProxyE2E, BlobRangeRequestsAreRelayed) {
  ProxyInstance proxy(options());
  const auto& layer = image_->layers.at(0);
  const auto blob = read_file(image_->blob_path(layer.digest));
  auto res = proxy.request("GET", "/v2/apps/web/blobs/" + layer.digest, {{"Range", "bytes=100-1123"}});
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.body, blob.substr(100, 1024));
  EXPECT_EQ(res.header("Content-Range"), "bytes 100-1123/" + std::to_string(blob.size()));
  auto full = proxy.request("GET", "/v2/apps/web/blobs/" + layer.digest);
  EXPECT_EQ(full.status, 200);
  EXPECT_EQ(sha256_digest(full.body), layer.digest);
}

TEST_F(ProxyE2E, TagListAndCatalogPaginationComeBackThroughTheProxy) {
  auto push = skopeo_copy(image_->oci_ref(), "docker://" + registry_->host_port() + "/apps/zz-last:v1");
  ASSERT_TRUE(push.ok()) << push.describe();
  ProxyInstance proxy(options(false));

  // n and last reach the upstream unchanged, under the upstream's repository name.
  registry_->clear_access_log();
  auto tags = proxy.request("GET", "/v2/registry.corp.example/apps/web/tags/list?n=2&last=a");
  ASSERT_EQ(tags.status, 200) << tags.body;
  EXPECT_EQ(nlohmann::json::parse(tags.body)["name"], "apps/web");
  auto seen = registry_->wait_for_access_log([](const auto& log) { return !log.empty(); });
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().uri, "/v2/apps/web/tags/list?n=2&last=a");

  // docker-registry 2.8 paginates the catalog; its Link must keep the client on the proxy (ns kept).
  auto first = proxy.request("GET", "/v2/_catalog?n=1&ns=registry.corp.example");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(nlohmann::json::parse(first.body)["repositories"], nlohmann::json({"apps/web"}));
  const auto link = first.header("Link");
  ASSERT_EQ(link.rfind("</v2/_catalog?", 0), 0u) << link;
  const auto next = link.substr(1, link.find('>') - 1);
  EXPECT_NE(next.find("ns=registry.corp.example"), std::string::npos) << next;
  auto second = proxy.request("GET", next);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(nlohmann::json::parse(second.body)["repositories"], nlohmann::json({"apps/zz-last"}));
}

// The raw push flow: POST, chunked PATCH, PUT ?digest=; monolithic PUT; mount; manifest PUT and DELETE.
TEST_F(ProxyE2E, PushFlowsWithChunkedAndMonolithicUploadsMountsAndDeletes) {
  ProxyInstance proxy(options());
  const std::string repo = "/v2/registry.corp.example/team/raw";
  const std::string blob = std::string(200000, 'x') + "end";
  const auto digest = sha256_digest(blob);

  // POST then a chunked PATCH in two chunks, then PUT ?digest=.
  auto start = proxy.request("POST", repo + "/blobs/uploads/");
  ASSERT_EQ(start.status, 202) << start.body;
  auto location = start.header("Location");
  ASSERT_EQ(location.rfind(repo + "/blobs/uploads/", 0), 0u) << location;
  {
    RawConnection conn(proxy.port());
    std::string req = "PATCH " + location + " HTTP/1.1\r\nHost: p\r\nContent-Type: application/octet-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n";
    auto chunk = [](std::string_view data) {
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      return std::string(size) + std::string(data) + "\r\n";
    };
    req += chunk(std::string_view(blob).substr(0, 100000)) + chunk(std::string_view(blob).substr(100000)) + "0\r\n\r\n";
    conn.send(req);
    const auto header = conn.read_header();
    ASSERT_NE(header.find("HTTP/1.1 202"), std::string::npos) << header;
    const auto loc_at = header.find("Location: ");
    ASSERT_NE(loc_at, std::string::npos);
    location = header.substr(loc_at + 10, header.find("\r\n", loc_at) - loc_at - 10);
  }
  auto sep = location.find('?') == std::string::npos ? "?" : "&";
  auto done = proxy.request("PUT", location + sep + "digest=" + digest);
  ASSERT_EQ(done.status, 201) << done.body;
  EXPECT_EQ(done.header("Location"), repo + "/blobs/" + digest);
  EXPECT_EQ(proxy.request("GET", repo + "/blobs/" + digest).body, blob);

  // Monolithic: POST, then one PUT with the whole body.
  const std::string blob2 = "monolithic blob body";
  const auto digest2 = sha256_digest(blob2);
  auto start2 = proxy.request("POST", repo + "/blobs/uploads/");
  ASSERT_EQ(start2.status, 202);
  auto loc2 = start2.header("Location");
  auto put2 = proxy.request("PUT", loc2 + (loc2.find('?') == std::string::npos ? "?" : "&") + "digest=" + digest2,
                            {{"Content-Type", "application/octet-stream"}}, blob2);
  ASSERT_EQ(put2.status, 201) << put2.body;

  // Cross-repository mount from the repository the shared image lives in.
  const auto& layer = image_->layers.at(0);
  auto mount = proxy.request("POST", repo + "/blobs/uploads/?mount=" + layer.digest +
                                         "&from=registry.corp.example/apps/web");
  EXPECT_EQ(mount.status, 201) << mount.body;
  EXPECT_EQ(mount.header("Location"), repo + "/blobs/" + layer.digest);

  // Manifest PUT (the shared image's manifest, blobs mounted first), then DELETE by digest.
  auto cfg_mount = proxy.request("POST", repo + "/blobs/uploads/?mount=" + image_->config_digest +
                                             "&from=registry.corp.example/apps/web");
  ASSERT_EQ(cfg_mount.status, 201);
  auto l2 = proxy.request("POST", repo + "/blobs/uploads/?mount=" + image_->layers.at(1).digest +
                                      "&from=registry.corp.example/apps/web");
  ASSERT_EQ(l2.status, 201);
  auto put_manifest = proxy.request("PUT", repo + "/manifests/copied", {{"Content-Type", kOciManifest}}, image_->manifest);
  ASSERT_EQ(put_manifest.status, 201) << put_manifest.body;
  EXPECT_EQ(put_manifest.header("Docker-Content-Digest"), image_->manifest_digest);
  EXPECT_EQ(put_manifest.header("Location"), repo + "/manifests/" + image_->manifest_digest);
  auto del = proxy.request("DELETE", repo + "/manifests/" + image_->manifest_digest);
  EXPECT_EQ(del.status, 202) << del.body;
  auto gone = proxy.request("GET", repo + "/manifests/" + image_->manifest_digest, {{"Accept", kOciManifest}});
  EXPECT_EQ(gone.status, 404);
}

TEST_F(ProxyE2E, FragmentedAndMalformedRequests) {
  ProxyInstance proxy(options());
  {
    RawConnection conn(proxy.port());
    conn.send_fragmented("GET /v2/apps/web/manifests/v1 HTTP/1.1\r\nHost: portcullis\r\nAccept: " +
                         std::string(kOciManifest) + "\r\nConnection: close\r\n\r\n");
    const auto response = conn.read_to_eof();
    EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
    EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), image_->manifest);
  }
  {
    RawConnection conn(proxy.port());
    conn.send("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(conn.read_to_eof().rfind("HTTP/1.1 400", 0), 0u);
  }
  {
    RawConnection conn(proxy.port());
    conn.try_send("GET /v2/ HTTP/1.1\r\nHost: p\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
    EXPECT_EQ(conn.read_to_eof().rfind("HTTP/1.1 431", 0), 0u);
  }
  auto bad_path = proxy.request("GET", "/v2/apps/../etc/manifests/x");
  EXPECT_EQ(bad_path.status, 404);
  EXPECT_EQ(nlohmann::json::parse(bad_path.body)["errors"][0]["code"], "NAME_INVALID");
}

TEST_F(ProxyE2E, HealthReadinessAndMetrics) {
  ProxyInstance proxy(options());
  EXPECT_EQ(proxy.request("GET", "/healthz").status, 200);
  EXPECT_EQ(proxy.request("GET", "/readyz").status, 200);
  proxy.request("GET", "/v2/quay.io/x/manifests/latest");
  // A request is counted just after its response is written: poll, do not race it.
  testsupport::HttpResponse metrics;
  EXPECT_TRUE(wait_until(
      [&] {
        metrics = proxy.request("GET", "/metrics");
        return metrics.body.find("portcullis_denied_total 1\n") != std::string::npos;
      },
      std::chrono::seconds(5)))
      << metrics.body;
  EXPECT_EQ(metrics.status, 200);
  auto ping = proxy.request("GET", "/v2/");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.header("Docker-Distribution-API-Version"), "registry/2.0");
}

// ---------------------------------------------------------------------------

TEST(ProxyClientAuth, ClientsWithoutCredentialsAreRefused) {
  DockerRegistry registry(RegistryOptions{RegistryAuth::Htpasswd("robot", "robot-pass")});
  TempDir dir("client-auth");
  write_file(dir.path() + "/users", htpasswd_line("ci", "ci-pass"));
  ProxyInstance proxy({{{kRegistry, registry.url(), "robot", "robot-pass"}}, kRegistry, dir.path() + "/users"});

  auto res = proxy.request("GET", "/v2/");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.header("WWW-Authenticate"), "Basic realm=\"portcullis\"");
  EXPECT_EQ(nlohmann::json::parse(res.body)["errors"][0]["code"], "UNAUTHORIZED");
  EXPECT_EQ(proxy.request("GET", "/v2/", {{"Authorization", "Basic Y2k6d3Jvbmc="}}).status, 401);  // ci:wrong

  // The proxy holds the upstream password, but an anonymous client still gets nothing.
  const auto image = build_image(dir, {4096});
  auto anonymous = skopeo_copy(image.oci_ref(), "docker://" + proxy.host_port() + "/apps/secret:v1");
  EXPECT_FALSE(anonymous.ok());
  auto authed = skopeo_copy(image.oci_ref(), "docker://" + proxy.host_port() + "/apps/secret:v1",
                            SkopeoOptions{.dest_creds = "ci:ci-pass"});
  ASSERT_TRUE(authed.ok()) << authed.describe();
  auto anonymous_pull = skopeo_inspect_digest("docker://" + proxy.host_port() + "/apps/secret:v1");
  EXPECT_FALSE(anonymous_pull.ok());
  auto authed_pull =
      skopeo_inspect_digest("docker://" + proxy.host_port() + "/apps/secret:v1", SkopeoOptions{.src_creds = "ci:ci-pass"});
  ASSERT_TRUE(authed_pull.ok()) << authed_pull.describe();
  EXPECT_EQ(authed_pull.digest, image.manifest_digest);
}

TEST(ProxyUpstreamFailure, UpstreamKilledMidBlobBreaksTheTransfer) {
  DockerRegistry registry;
  TempDir dir("mid-blob");
  const auto image = build_image(dir, {64u << 20});
  ASSERT_TRUE(skopeo_copy(image.oci_ref(), "docker://" + registry.host_port() + "/big/blob:v1").ok());
  ProxyInstance proxy({{{kRegistry, registry.url()}}, kRegistry, {}, kRawRelay});

  const auto& layer = image.layers.at(0);
  RawConnection conn(proxy.port());
  conn.send("GET /v2/big/blob/blobs/" + layer.digest + " HTTP/1.1\r\nHost: p\r\n\r\n");
  const auto header = conn.read_header();
  ASSERT_NE(header.find("HTTP/1.1 200"), std::string::npos) << header;
  ASSERT_NE(header.find("Content-Length: " + std::to_string(layer.size)), std::string::npos) << header;
  boost::system::error_code ec;
  ASSERT_EQ(conn.read_body(1 << 20, ec), size_t(1) << 20);  // back-pressure holds the rest upstream
  registry.kill(SIGKILL);
  const auto got = conn.read_body(layer.size, ec);
  EXPECT_LT(got + (1 << 20), layer.size) << "a short body must not pass for a complete one";
  EXPECT_TRUE(ec) << "the connection must end in an error or EOF";
  EXPECT_TRUE(wait_until([&] { return proxy.access_log().find("upstream body") != std::string::npos; },
                         std::chrono::seconds(5)));
}

TEST(ProxyUpstreamFailure, UnreachableUpstreamIsAClearError) {
  ProxyInstance proxy({{{kRegistry, "http://127.0.0.1:" + std::to_string(free_port())}}, kRegistry});
  auto res = proxy.request("GET", "/v2/apps/web/manifests/v1");
  EXPECT_EQ(res.status, 503);
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["errors"][0]["code"], "UNAVAILABLE");
  EXPECT_EQ(body["errors"][0]["detail"], "registry.corp.example could not be reached: Connection refused");
}

TEST(ProxyDrain, RequestsInFlightFinishBeforeTheServerStops) {
  DockerRegistry registry;
  TempDir dir("drain");
  const auto image = build_image(dir, {16u << 20});
  ASSERT_TRUE(skopeo_copy(image.oci_ref(), "docker://" + registry.host_port() + "/big/blob:v1").ok());
  ProxyInstance proxy({{{kRegistry, registry.url()}}, kRegistry, {}, kRawRelay});
  const auto& layer = image.layers.at(0);

  RawConnection conn(proxy.port());
  conn.send("GET /v2/big/blob/blobs/" + layer.digest + " HTTP/1.1\r\nHost: p\r\n\r\n");
  ASSERT_NE(conn.read_header().find("HTTP/1.1 200"), std::string::npos);
  RawConnection idle(proxy.port());  // an idle keep-alive connection is closed by the drain

  std::thread drain([&] { proxy.server().drain_and_stop(); });
  boost::system::error_code ec;
  std::string body;
  EXPECT_EQ(conn.read_body(layer.size, ec, &body), layer.size);
  EXPECT_EQ(sha256_digest(body), layer.digest);
  drain.join();
  EXPECT_EQ(idle.read_to_eof(), "");
  EXPECT_EQ(http_get_status("127.0.0.1", proxy.port(), "/healthz", std::chrono::seconds(1)), -1);
}

}  // namespace
}  // namespace portcullis::testing
