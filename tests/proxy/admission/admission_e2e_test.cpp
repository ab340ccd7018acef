// The webhook in the real daemon: Server with a TLS listener in front of a
// real docker-registry holding images pushed with skopeo. Reviews are posted
// over HTTPS (verified against the test CA) and checked against pulls of the
// same images through the proxy, the same manifests and the same caches.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "proxy/net/asio.h"
#include "tests/proxy/admission/admission_test_support.h"
#include "tests/proxy/proxy_fixture.h"
#include "tests/support/clients.h"
#include "tests/support/image.h"
#include "tests/support/registry.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
using namespace std::chrono_literals;
namespace http = boost::beast::http;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;

constexpr const char* kRegistry = "registry.corp.example";
constexpr const char* kSlow = "slow.corp.example";
constexpr const char* kOci = "application/vnd.oci.image.manifest.v1+json";

struct HttpsResponse {
  int status = -1;
  std::string body;
  std::string error;
};

// One POST over TLS, verifying the server against `ca` and the name 127.0.0.1.
HttpsResponse https_post(uint16_t port, const std::string& ca, const std::string& target,
                         const std::string& body) {
  HttpsResponse out;
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca);
  ctx.set_verify_mode(ssl::verify_peer);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
        stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
        auto& tcp_stream = beast::get_lowest_layer(stream);
        tcp_stream.expires_after(30s);
        const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
        auto [cec] = co_await tcp_stream.async_connect(endpoint, proxy::nothrow_awaitable);
        if (cec) {
          out.error = "connect: " + cec.message();
          co_return;
        }
        auto [hec] =
            co_await stream.async_handshake(ssl::stream_base::client, proxy::nothrow_awaitable);
        if (hec) {
          out.error = "handshake: " + hec.message();
          co_return;
        }
        http::request<http::string_body> req{http::verb::post, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        auto [wec, wn] = co_await http::async_write(stream, req, proxy::nothrow_awaitable);
        if (wec) {
          out.error = "write: " + wec.message();
          co_return;
        }
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        auto [rec, rn] = co_await http::async_read(stream, buffer, res, proxy::nothrow_awaitable);
        if (rec) {
          out.error = "read: " + rec.message();
          co_return;
        }
        out.status = res.result_int();
        out.body = res.body();
      },
      asio::detached);
  ioc.run();
  return out;
}

// An upstream that accepts connections (the kernel completes the handshake)
// and never answers: every request to it hangs.
class SilentUpstream {
 public:
  SilentUpstream() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;  // listening, never accepting
};

// A pod review in `ns` whose containers run `images` (from the pod-create-v1 fixture).
Json pod_review(const std::string& ns, const std::vector<std::string>& images,
                const std::string& uid) {
  auto doc = fixture("pod-create-v1.json");
  doc["request"]["uid"] = uid;
  doc["request"]["namespace"] = ns;
  auto& object = doc["request"]["object"];
  object["metadata"]["namespace"] = ns;
  object["spec"].erase("initContainers");
  object["spec"]["containers"] = Json::array();
  for (size_t i = 0; i < images.size(); ++i)
    object["spec"]["containers"].push_back({{"name", "c" + std::to_string(i)},
                                            {"image", images[i]},
                                            {"imagePullPolicy", "IfNotPresent"}});
  return doc;
}

constexpr const char* kNoNetcat = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: no-netcat}
spec:
  registries: {allow: ["registry.corp.example", "slow.corp.example"]}
  content:
    deny:
      - name: no-netcat
        paths: ["/usr/bin/nc"]
  failurePolicy: fail
)";

class AdmissionE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new DockerRegistry();
    work_ = new TempDir("admission-e2e");
    silent_ = new SilentUpstream();
    // A self-signed certificate for 127.0.0.1, its own CA.
    const auto cert = work_->path() + "/tls.crt";
    const auto key = work_->path() + "/tls.key";
    auto made =
        run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=portcullis.test",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
    ASSERT_TRUE(made.ok()) << made.describe();

    OciLayoutBuilder web(work_->path() + "/web");
    web.add_random_layer(16 * 1024);
    web_ = new BuiltImage(web.build("v"));
    OciLayoutBuilder nc(work_->path() + "/nc");
    nc.add_layer({TarEntry::dir("usr"), TarEntry::dir("usr/bin"),
                  TarEntry::file("usr/bin/nc", "#!/bin/sh\n", 0755)});
    nc_ = new BuiltImage(nc.build("v"));
    OciLayoutBuilder shared(work_->path() + "/shared");
    shared.add_random_layer(2 * 1024 * 1024);
    shared_ = new BuiltImage(shared.build("v"));
    for (const auto& [image, ref] : {std::pair{web_, "apps/web:1.0"}, std::pair{nc_, "apps/nc:1.0"},
                                     std::pair{shared_, "apps/shared:1.0"}}) {
      auto push = skopeo_copy(image->oci_ref(), "docker://" + registry_->host_port() + "/" + ref);
      ASSERT_TRUE(push.ok()) << push.describe();
    }
  }
  static void TearDownTestSuite() {
    delete shared_;
    delete nc_;
    delete web_;
    delete silent_;
    delete work_;
    delete registry_;
  }

  // A daemon with a plain listener (pulls) and a TLS listener (the webhook), manifests `files`.
  std::unique_ptr<ProxyInstance> daemon(const std::map<std::string, std::string>& files,
                                        const std::string& admission_yaml = "") {
    // Each daemon keeps its own directory (a daemon watches it until the test ends).
    const auto& dir = manifests_.emplace_back("manifests");
    for (const auto& [name, text] : files) write_file(dir.path() + "/" + name, text);
    ProxyOptions o{{{kRegistry, registry_->url()}, {kSlow, silent_->url()}}, kRegistry};
    o.tls_cert = work_->path() + "/tls.crt";
    o.tls_key = work_->path() + "/tls.key";
    o.extra_yaml = "manifests: [" + dir.path() + "]\ncluster: prod-eu-1\n" + admission_yaml;
    return std::make_unique<ProxyInstance>(o);
  }

  Json review(const ProxyInstance& d, const Json& doc,
              const std::string& endpoint = "/admission/validate") {
    const auto res = https_post(d.tls_port(), work_->path() + "/tls.crt", endpoint, doc.dump());
    EXPECT_EQ(res.status, 200) << res.error << res.body;
    if (res.status != 200) return Json::object();
    auto body = Json::parse(res.body);
    EXPECT_EQ(body["apiVersion"], doc["apiVersion"]);
    EXPECT_EQ(body["kind"], "AdmissionReview");
    EXPECT_EQ(body["response"]["uid"], doc["request"]["uid"]);
    return body;
  }

  static DockerRegistry* registry_;
  static TempDir* work_;
  static SilentUpstream* silent_;
  static BuiltImage* web_;
  static BuiltImage* nc_;
  static BuiltImage* shared_;
  std::vector<TempDir> manifests_;
};
DockerRegistry* AdmissionE2E::registry_ = nullptr;
TempDir* AdmissionE2E::work_ = nullptr;
SilentUpstream* AdmissionE2E::silent_ = nullptr;
BuiltImage* AdmissionE2E::web_ = nullptr;
BuiltImage* AdmissionE2E::nc_ = nullptr;
BuiltImage* AdmissionE2E::shared_ = nullptr;

TEST_F(AdmissionE2E, DeniedAtPullAndAtDeployForTheSameReason) {
  auto d = daemon({{"no-netcat.yaml", kNoNetcat}});
  const auto pull = d->request("GET", "/v2/apps/nc/manifests/1.0", {{"Accept", kOci}});
  ASSERT_EQ(pull.status, 403) << pull.body;
  const std::string pull_message = Json::parse(pull.body)["errors"][0]["message"];
  EXPECT_NE(pull_message.find("no-netcat (content.deny/no-netcat)"), std::string::npos)
      << pull_message;

  const auto r = review(
      *d, pod_review("payments",
                     {"registry.corp.example/apps/web:1.0", "registry.corp.example/apps/nc:1.0"},
                     "uid-same-reason"));
  EXPECT_EQ(r["response"]["allowed"], false);
  EXPECT_EQ(r["response"]["status"]["code"], 403);
  EXPECT_EQ(r["response"]["status"]["message"], pull_message);  // only nc, and in the same words
  EXPECT_EQ(r["response"]["status"]["details"]["causes"][0]["field"], "spec.containers[1].image");

  // The same image allowed at pull is allowed at deploy.
  EXPECT_EQ(d->request("GET", "/v2/apps/web/manifests/1.0", {{"Accept", kOci}}).status, 200);
  const auto ok =
      review(*d, pod_review("payments", {"registry.corp.example/apps/web:1.0"}, "uid-web"));
  EXPECT_EQ(ok["response"]["allowed"], true);
  EXPECT_FALSE(ok["response"].contains("status"));
}

TEST_F(AdmissionE2E, NamespaceScopedManifestsApplyOnlyInTheirNamespaces) {
  const std::string payments_web_only = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: payments-web-only}
spec:
  scope: {namespaces: ["payments", "payments-*"]}
  images:
    allow:
      - repository: "registry.corp.example/apps/web"
)";
  auto d = daemon({{"payments.yaml", payments_web_only}});
  const auto image = "registry.corp.example/apps/nc:1.0";
  for (const char* ns : {"payments", "payments-batch"}) {
    const auto r = review(*d, pod_review(ns, {image}, std::string("uid-") + ns));
    EXPECT_EQ(r["response"]["allowed"], false) << ns;
    const std::string message = r["response"]["status"]["message"];
    EXPECT_EQ(message.rfind(
                  "image registry.corp.example/apps/nc:1.0 is denied by policy: payments-web-only "
                  "(images.allow)",
                  0),
              0u)
        << message;
  }
  EXPECT_EQ(review(*d, pod_review("dev", {image}, "uid-dev"))["response"]["allowed"], true);
  // At pull time no namespace is known: namespaced manifests are left to the webhook.
  EXPECT_EQ(d->request("GET", "/v2/apps/nc/manifests/1.0", {{"Accept", kOci}}).status, 200);
}

TEST_F(AdmissionE2E, ExemptNamespacesAreAllowedWithoutLookups) {
  auto d = daemon({{"no-netcat.yaml", kNoNetcat}});
  registry_->clear_access_log();
  const auto system = review(
      *d, pod_review("kube-system", {"registry.corp.example/apps/nc:1.0"}, "uid-kube-system"));
  EXPECT_EQ(system["response"]["allowed"], true);
  const auto own =
      review(*d, pod_review("portcullis-system", {"registry.corp.example/apps/nc:1.0"}, "uid-own"));
  EXPECT_EQ(own["response"]["allowed"], true);
  EXPECT_TRUE(registry_->access_log_requests().empty());
  // The same pod elsewhere is judged (and asks the registry).
  EXPECT_EQ(review(*d, pod_review("dev", {"registry.corp.example/apps/nc:1.0"},
                                  "uid-dev"))["response"]["allowed"],
            false);
  EXPECT_FALSE(
      registry_->wait_for_access_log([](const auto& log) { return !log.empty(); }).empty());
}

TEST_F(AdmissionE2E, PinDigestsPatchCarriesTheRealDigest) {
  const std::string pinned = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: pinned}
spec:
  registries: {allow: ["registry.corp.example"]}
  pinDigests: true
)";
  auto d = daemon({{"pinned.yaml", pinned}});
  auto doc = fixture("deployment-create-v1.json");
  auto& spec = doc["request"]["object"]["spec"]["template"]["spec"];
  spec["containers"][0]["image"] = "registry.corp.example/apps/web:1.0";
  spec["containers"][1]["image"] =
      "registry.corp.example/apps/nc@" + nc_->manifest_digest;  // pinned already
  spec["initContainers"][0]["image"] = "registry.corp.example/apps/web:1.0";
  const auto r = review(*d, doc, "/admission/mutate");
  ASSERT_EQ(r["response"]["allowed"], true) << r.dump();
  ASSERT_EQ(r["response"]["patchType"], "JSONPatch") << r.dump();
  const auto patched = patched_object(doc, r);
  const auto& pspec = patched["spec"]["template"]["spec"];
  EXPECT_EQ(pspec["containers"][0]["image"],
            "registry.corp.example/apps/web:1.0@" + web_->manifest_digest);
  EXPECT_EQ(pspec["containers"][1]["image"],
            "registry.corp.example/apps/nc@" + nc_->manifest_digest);
  EXPECT_EQ(pspec["initContainers"][0]["image"],
            "registry.corp.example/apps/web:1.0@" + web_->manifest_digest);

  // The validating webhook then sees tag and digest, and allows without a patch.
  auto pinned_doc = doc;
  pinned_doc["request"]["object"] = patched;
  const auto v = review(*d, pinned_doc, "/admission/validate");
  EXPECT_EQ(v["response"]["allowed"], true);
  EXPECT_FALSE(v["response"].contains("patch"));
  EXPECT_FALSE(v["response"].contains("warnings")) << v.dump();
  // Unpinned, the validating webhook notes that the mutating one did not run.
  const auto unpinned = review(*d, doc, "/admission/validate");
  EXPECT_EQ(unpinned["response"]["allowed"], true);
  EXPECT_EQ(unpinned["response"]["warnings"][0],
            "image registry.corp.example/apps/web:1.0 is not pinned to a digest although a "
            "manifest asks for "
            "pinDigests (the mutating webhook pins it)");
}

TEST_F(AdmissionE2E, SlowUpstreamFailsClosedWithinTheDeadline) {
  auto d = daemon({{"no-netcat.yaml", kNoNetcat}}, "admission: {deadline: 1s}\n");
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = review(*d, pod_review("payments", {"slow.corp.example/apps/app:1.0"}, "uid-slow"));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);
  EXPECT_EQ(r["response"]["allowed"], false);
  const std::string message = r["response"]["status"]["message"];
  EXPECT_EQ(message.rfind("image slow.corp.example/apps/app:1.0 is still being assessed", 0), 0u)
      << message;

  // failurePolicy: ignore lets it through, with the same sentence as a warning.
  std::string ignore = kNoNetcat;
  ignore.replace(ignore.find("failurePolicy: fail"), 19, "failurePolicy: ignore");
  auto open = daemon({{"no-netcat.yaml", ignore}}, "admission: {deadline: 1s}\n");
  const auto allowed =
      review(*open, pod_review("payments", {"slow.corp.example/apps/app:1.0"}, "uid-open"));
  EXPECT_EQ(allowed["response"]["allowed"], true);
  ASSERT_EQ(allowed["response"]["warnings"].size(), 1u) << allowed.dump();
  const std::string warning = allowed["response"]["warnings"][0];
  EXPECT_EQ(warning.rfind("image slow.corp.example/apps/app:1.0 is still being assessed", 0), 0u)
      << warning;
}

TEST_F(AdmissionE2E, ConcurrentReviewsOfOneImageShareOneAssessment) {
  auto d = daemon({{"no-netcat.yaml", kNoNetcat}});
  registry_->clear_access_log();
  std::vector<std::thread> clients;
  std::vector<HttpsResponse> answers(8);
  for (size_t i = 0; i < answers.size(); ++i)
    clients.emplace_back([&, i] {
      const auto doc = pod_review("payments", {"registry.corp.example/apps/shared:1.0"},
                                  "uid-" + std::to_string(i));
      answers[i] =
          https_post(d->tls_port(), work_->path() + "/tls.crt", "/admission/validate", doc.dump());
    });
  for (auto& t : clients) t.join();
  for (const auto& a : answers) {
    ASSERT_EQ(a.status, 200) << a.error << a.body;
    EXPECT_EQ(Json::parse(a.body)["response"]["allowed"], true) << a.body;
  }
  const auto layer = "/v2/apps/shared/blobs/" + shared_->layers.at(0).digest;
  size_t fetched = 0;
  for (const auto& e : registry_->access_log_requests())
    if (e.method == "GET" && e.path() == layer) ++fetched;
  EXPECT_EQ(fetched, 1u);
}

TEST_F(AdmissionE2E, MalformedReviewsAndPlainListeners) {
  auto d = daemon({{"no-netcat.yaml", kNoNetcat}});
  const auto bad = https_post(d->tls_port(), work_->path() + "/tls.crt", "/admission/validate",
                              fixture_text("malformed-truncated.json"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json::parse(bad.body)["message"],
            "malformed AdmissionReview: the body is not valid JSON (at byte " +
                std::to_string(fixture_text("malformed-truncated.json").size()) + ")");
  // The daemon is still serving.
  EXPECT_EQ(review(*d, fixture("pod-kube-system-v1.json"))["response"]["allowed"], true);
  // The API server only talks TLS: plain listeners do not serve the webhook.
  EXPECT_EQ(d->request("POST", "/admission/validate", {{"Content-Type", "application/json"}},
                       fixture_text("pod-kube-system-v1.json"))
                .status,
            404);
}

}  // namespace
}  // namespace portcullis::testing
