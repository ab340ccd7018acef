// Interoperability with containers/image, live: a signature Portcullis writes
// to a real docker-registry is carried by `skopeo copy` (use-sigstore-
// attachments) to another repository byte for byte, and still verifies there.
#include <gtest/gtest.h>

#include <unistd.h>

#include "signing/assess.h"
#include "signing/sign.h"
#include "tests/signing/test_util.h"
#include "tests/support/clients.h"
#include "tests/support/image.h"
#include "tests/support/net.h"
#include "tests/support/registry.h"

namespace portcullis::signing {
namespace {

using testsupport::DockerRegistry;
using testsupport::HttpRequest;
using testsupport::HttpResponse;

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";

class SkopeoInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"/usr/bin/skopeo", "/usr/bin/docker-registry"}) {
      if (::access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed";
    }
    registry_ = std::make_unique<DockerRegistry>();
    testsupport::write_file(
        dir_.mkdir("registries.d") + "/default.yaml",
        "docker:\n  " + registry_->host_port() + ":\n    use-sigstore-attachments: true\n");
  }

  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req;
    req.method = method;
    req.port = registry_->port();
    req.target = target;
    req.body = body;
    req.headers = std::move(headers);
    return testsupport::http_request(req);
  }

  // Monolithic upload: POST, then PUT ?digest= with the bytes.
  void push_blob(const std::string& repo, const std::string& bytes, const std::string& digest) {
    auto start = request("POST", "/v2/" + repo + "/blobs/uploads/");
    ASSERT_EQ(start.status, 202) << start.body << start.error;
    std::string location = start.header("Location");
    if (auto p = location.find("/v2/"); p != std::string::npos) location = location.substr(p);
    location +=
        (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
    auto put = request("PUT", location, bytes, {{"Content-Type", "application/octet-stream"}});
    ASSERT_EQ(put.status, 201) << put.body << put.error;
  }

  void push(const std::string& repo, const SignatureArtifacts& a) {
    push_blob(repo, a.payload, a.payload_digest);
    push_blob(repo, a.config, a.config_digest);
    auto put = request("PUT", "/v2/" + repo + "/manifests/" + a.tag, a.manifest,
                       {{"Content-Type", kOciManifest}});
    ASSERT_EQ(put.status, 201) << put.body << put.error;
  }

  std::string get_manifest(const std::string& repo, const std::string& ref) {
    auto r = request("GET", "/v2/" + repo + "/manifests/" + ref, "", {{"Accept", kOciManifest}});
    EXPECT_EQ(r.status, 200) << r.body << r.error;
    return r.body;
  }

  std::string get_blob(const std::string& repo, const std::string& digest) {
    auto r = request("GET", "/v2/" + repo + "/blobs/" + digest);
    EXPECT_EQ(r.status, 200) << r.body << r.error;
    return r.body;
  }

  void skopeo_copy(const std::string& from, const std::string& to) {
    testsupport::SkopeoOptions opts;
    opts.extra_args = {"--registries.d", dir_ / "registries.d"};
    auto r = testsupport::skopeo_copy(from, to, opts);
    ASSERT_TRUE(r.ok()) << r.describe();
  }

  // Verification at `repo`, as the proxy does it: .sig manifest, payload blobs, keys.
  policy::SignatureFacts assess_at(const std::string& repo, const std::string& digest,
                                   const std::vector<PublicKey>& keys) {
    const std::string tag = *signature_tag_for(digest);
    SignatureSource src;
    src.source = tag_source(tag);
    auto parsed = parse_signature_manifest(get_manifest(repo, tag));
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (parsed) src.manifest = *parsed;
    for (const auto& layer : src.manifest.signatures) {
      src.payloads[layer.payload_digest] = get_blob(repo, layer.payload_digest);
    }
    std::vector<SignatureSource> sources{src};
    return assess_signatures(digest, sources, keys);
  }

  testsupport::TempDir dir_{"signing-skopeo"};
  std::unique_ptr<DockerRegistry> registry_;
};

TEST_F(SkopeoInterop, SignatureIsCarriedByteForByteAndStillVerifies) {
  testsupport::OciLayoutBuilder builder(dir_ / "layout");
  auto image = builder.add_random_layer(4096).build("v1");
  const std::string host = registry_->host_port();
  skopeo_copy(image.oci_ref(), "docker://" + host + "/team/app:v1");
  auto digest = testsupport::skopeo_inspect_digest("docker://" + host + "/team/app:v1");
  ASSERT_TRUE(digest.ok()) << digest.describe();

  // Portcullis signs at team/app.
  auto signed_once = build_signature_artifacts(digest.digest, host + "/team/app",
                                               testing::load_priv("ci-ecdsa-p256.key"));
  ASSERT_TRUE(signed_once) << signed_once.error().message;
  push("team/app", *signed_once);

  // skopeo carries it to mirror/app: same manifest and config bytes, so same digests.
  skopeo_copy("docker://" + host + "/team/app@" + digest.digest,
              "docker://" + host + "/mirror/app:v1");
  const std::string copied = get_manifest("mirror/app", signed_once->tag);
  EXPECT_EQ(copied, signed_once->manifest);
  EXPECT_EQ(get_blob("mirror/app", signed_once->config_digest), signed_once->config);

  std::vector<PublicKey> ci{testing::load_pub("ci-ecdsa-p256.pub")};
  auto facts = assess_at("mirror/app", digest.digest, ci);
  EXPECT_EQ(facts.discovered, 1);
  ASSERT_EQ(facts.verified.size(), 1u);
  EXPECT_EQ(facts.verified[0].key_fingerprint, testing::kCiFingerprint);
  EXPECT_EQ(facts.verified[0].docker_reference, host + "/team/app");

  // A second signature appended by Portcullis at mirror/app (to skopeo's manifest
  // and config) is again what skopeo reproduces when it copies both onwards.
  auto signed_twice = build_signature_artifacts(
      digest.digest, host + "/mirror/app", testing::load_priv("ed25519.key"), copied,
      std::string_view(get_blob("mirror/app", signed_once->config_digest)));
  ASSERT_TRUE(signed_twice) << signed_twice.error().message;
  push("mirror/app", *signed_twice);
  skopeo_copy("docker://" + host + "/mirror/app@" + digest.digest,
              "docker://" + host + "/third/app:v1");
  EXPECT_EQ(get_manifest("third/app", signed_twice->tag), signed_twice->manifest);

  ci.push_back(testing::load_pub("ed25519.pub"));
  auto both = assess_at("third/app", digest.digest, ci);
  EXPECT_EQ(both.discovered, 2);
  EXPECT_EQ(both.verified.size(), 2u);
  EXPECT_TRUE(both.rejected.empty());
}

}  // namespace
}  // namespace portcullis::signing
