// Signatures through the daemon, end to end, with real docker-registry and
// skopeo: CI pushes through Portcullis and the image gets signed; a later
// pull through a `signatures.required` manifest is allowed; the same image
// pushed straight to the upstream, unsigned, is denied with the reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/proxy/proxy_fixture.h"
#include "tests/proxy/signatures/signature_env.h"
#include "tests/support/clients.h"
#include "tests/support/image.h"

namespace portcullis::proxy::signatures::testing {
namespace {

using portcullis::testing::ProxyInstance;
using portcullis::testing::ProxyOptions;
using signing::testing::key_path;

std::string signed_only_manifest() {
  return R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: signed-only}
spec:
  images:
    deny:
      - repository: "**/blocked"
  signatures:
    required: true
    keys:
      - name: ci
        publicKeyFile: )" +
         key_path("ci-ecdsa-p256.pub") + "\n";
}

class SigningE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/openssl"})
      if (!have(tool)) GTEST_SKIP() << tool << " is not installed";
    registry_ = std::make_unique<DockerRegistry>();
    writer_ = std::make_unique<RegistryWriter>(*registry_);
    testsupport::write_file(dir_.mkdir("manifests") + "/signed-only.yaml", signed_only_manifest());
    ProxyOptions o{{{kUpstreamName, registry_->url()}}, kUpstreamName};
    o.extra_yaml = "manifests: [" + (dir_ / "manifests") +
                   "]\nsigning:\n  key: " + key_path("ci-ecdsa-p256.key") +
                   "\n  repositories: [\"ci/**\"]\n  identity: true\n";
    proxy_ = std::make_unique<ProxyInstance>(o);
    testsupport::OciLayoutBuilder builder(dir_ / "layout");
    builder.add_random_layer(16 * 1024);
    image_ = std::make_unique<testsupport::BuiltImage>(builder.build("v1"));
  }

  testsupport::RunResult push_through_proxy(const std::string& repo_tag) {
    return testsupport::skopeo_copy(image_->oci_ref(),
                                    "docker://" + proxy_->host_port() + "/" + repo_tag);
  }

  std::string tag_of(const std::string& digest) { return "sha256-" + digest.substr(7) + ".sig"; }

  TempDir dir_{"signing-e2e"};
  std::unique_ptr<DockerRegistry> registry_;
  std::unique_ptr<RegistryWriter> writer_;
  std::unique_ptr<ProxyInstance> proxy_;
  std::unique_ptr<testsupport::BuiltImage> image_;
};

TEST_F(SigningE2E, PushedThroughPortcullisIsSignedAndThenAllowed) {
  auto push = push_through_proxy("ci/app:v1");
  ASSERT_TRUE(push.ok()) << push.describe();
  const std::string digest = image_->manifest_digest;
  // Tagging the same image again through the proxy: allowed, so no warning.
  auto again = proxy_->request("PUT", "/v2/ci/app/manifests/v2", {{"Content-Type", kOciManifest}},
                               image_->manifest);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.header("Warning"), "");

  // The signature is at the upstream, in the cosign layout, and openssl verifies it.
  const auto manifest = nlohmann::json::parse(writer_->get_manifest("ci/app", tag_of(digest)));
  ASSERT_EQ(manifest["layers"].size(), 1u);
  const auto payload =
      writer_->get_blob("ci/app", manifest["layers"][0]["digest"].get<std::string>());
  EXPECT_EQ(payload, cosign_payload(std::string(kUpstreamName) + "/ci/app", digest));
  EXPECT_EQ(signing::testing::openssl_verify(
                dir_, key_path("ci-ecdsa-p256.pub"), payload,
                manifest["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"]
                    .get<std::string>()),
            "Verified OK");

  // A later pull through Portcullis, under signatures.required: allowed.
  auto pulled =
      testsupport::skopeo_inspect_digest("docker://" + proxy_->host_port() + "/ci/app:v1");
  ASSERT_TRUE(pulled.ok()) << pulled.describe();
  EXPECT_EQ(pulled.digest, digest);
  auto copied = testsupport::skopeo_copy("docker://" + proxy_->host_port() + "/ci/app:v1",
                                         "oci:" + (dir_ / "out") + ":v1");
  EXPECT_TRUE(copied.ok()) << copied.describe();
}

TEST_F(SigningE2E, TheSameImagePushedDirectlyUnsignedIsDenied) {
  // Straight to the upstream: Portcullis never saw it, nobody signed it.
  auto direct = testsupport::skopeo_copy(image_->oci_ref(),
                                         "docker://" + registry_->host_port() + "/ci/direct:v1");
  ASSERT_TRUE(direct.ok()) << direct.describe();
  const std::string digest = image_->manifest_digest;
  auto res = proxy_->request("GET", "/v2/ci/direct/manifests/v1", {{"Accept", kOciManifest}});
  ASSERT_EQ(res.status, 403) << res.body;
  const auto error = nlohmann::json::parse(res.body)["errors"][0];
  EXPECT_EQ(error["code"], "DENIED");
  EXPECT_NE(
      error["message"].get<std::string>().find("has no valid signature by a trusted key of "
                                               "signed-only (signatures.required, keys: ci); 0 "
                                               "signatures found"),
      std::string::npos)
      << res.body;
  auto pulled =
      testsupport::skopeo_inspect_digest("docker://" + proxy_->host_port() + "/ci/direct:v1");
  EXPECT_FALSE(pulled.ok());
  EXPECT_NE(pulled.err.find("has no valid signature by a trusted key of signed-only"),
            std::string::npos)
      << pulled.describe();

  // A signature copied from the signed repository does not help: identity is checked.
  ASSERT_TRUE(push_through_proxy("ci/app:v1").ok());
  auto copy_sig = testsupport::skopeo_copy(
      "docker://" + registry_->host_port() + "/ci/app:" + tag_of(digest),
      "docker://" + registry_->host_port() + "/ci/direct:" + tag_of(digest));
  ASSERT_TRUE(copy_sig.ok()) << copy_sig.describe();
  auto still = proxy_->request("GET", "/v2/ci/direct/manifests/v1", {{"Accept", kOciManifest}});
  EXPECT_EQ(still.status, 403) << still.body;
  EXPECT_NE(still.body.find("does not match the expected repository"), std::string::npos)
      << still.body;
}

TEST_F(SigningE2E, RepositoriesOutsideTheSigningPatternsAreNotSigned) {
  auto push = push_through_proxy("team/app:v1");
  ASSERT_TRUE(push.ok()) << push.describe();
  EXPECT_EQ(writer_
                ->request("GET", "/v2/team/app/manifests/" + tag_of(image_->manifest_digest), "",
                          {{"Accept", kOciManifest}})
                .status,
            404);
  EXPECT_EQ(proxy_->request("GET", "/v2/team/app/manifests/v1", {{"Accept", kOciManifest}}).status,
            403);
}

TEST_F(SigningE2E, APushThePolicyRefusesSucceedsUnsignedWithAWarning) {
  // Blobs and manifest by hand through the proxy, to see the PUT's headers.
  auto put_blob = [&](const std::string& digest) {
    const std::string bytes = testsupport::read_file(image_->blob_path(digest));
    auto start = proxy_->request("POST", "/v2/ci/blocked/blobs/uploads/");
    ASSERT_EQ(start.status, 202) << start.body;
    std::string location = start.header("Location");
    location = location.substr(location.find("/v2/"));
    location +=
        (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
    auto put =
        proxy_->request("PUT", location, {{"Content-Type", "application/octet-stream"}}, bytes);
    ASSERT_EQ(put.status, 201) << put.body;
  };
  put_blob(image_->config_digest);
  for (const auto& layer : image_->layers) put_blob(layer.digest);
  auto put = proxy_->request("PUT", "/v2/ci/blocked/manifests/v1", {{"Content-Type", kOciManifest}},
                             image_->manifest);
  ASSERT_EQ(put.status, 201) << put.body;
  const auto warning = put.header("Warning");
  EXPECT_EQ(warning.rfind("299 portcullis \"not signed: ", 0), 0u) << warning;
  EXPECT_NE(warning.find("signed-only (images.deny)"), std::string::npos) << warning;
  EXPECT_EQ(writer_
                ->request("GET", "/v2/ci/blocked/manifests/" + tag_of(image_->manifest_digest), "",
                          {{"Accept", kOciManifest}})
                .status,
            404);
}

}  // namespace
}  // namespace portcullis::proxy::signatures::testing
