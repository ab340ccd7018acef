// PushSigner against a real docker-registry: what it writes verifies with
// `openssl dgst -verify` on the payload, appends to signatures already there,
// is not duplicated, and survives `skopeo copy` with sigstore attachments.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "proxy/signatures/push_signer.h"
#include "proxy/signatures/upstream_signature_source.h"
#include "tests/proxy/signatures/signature_env.h"
#include "tests/support/clients.h"

namespace portcullis::proxy::signatures::testing {
namespace {

using signing::testing::kCiFingerprint;
using signing::testing::key_path;

std::vector<policy::Glob> globs(std::initializer_list<const char*> patterns) {
  std::vector<policy::Glob> out;
  for (const char* p : patterns)
    out.push_back(policy::Glob::compile(p, policy::GlobKind::Path).value());
  return out;
}

class PushSignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("/usr/bin/docker-registry")) GTEST_SKIP() << "docker-registry is not installed";
    if (!have("/usr/bin/openssl")) GTEST_SKIP() << "openssl is not installed";
    registry_ = std::make_unique<DockerRegistry>();
    writer_ = std::make_unique<RegistryWriter>(*registry_);
    side_ = std::make_unique<UpstreamSide>(registry_->url());
    signer_ = std::make_unique<PushSigner>(signing::testing::load_priv("ci-ecdsa-p256.key"),
                                           globs({"ci/**"}), side_->pool());
  }

  SignOutcome sign(const std::string& repo, const std::string& digest,
                   PushSigner* signer = nullptr) {
    if (!signer) signer = signer_.get();
    return side_->run(signer->sign(side_->upstream(), repo, digest, ref(repo)));
  }

  assessment::Result<policy::SignatureFacts> facts(
      const std::string& repo, const std::string& digest,
      std::vector<std::string> pubs = {"ci-ecdsa-p256.pub"}, bool identity = false) {
    std::vector<signing::PublicKey> keys;
    for (const auto& p : pubs) keys.push_back(signing::testing::load_pub(p));
    SignatureSourceOptions options;
    options.check_identity = identity;
    UpstreamSignatureSource source(side_->pool(), fixed_keys(std::move(keys)), options);
    return side_->run(source.signatures(side_->upstream(), repo, digest));
  }

  std::string ref(const std::string& repo) { return std::string(kUpstreamName) + "/" + repo; }
  std::string tag_of(const std::string& digest) { return "sha256-" + digest.substr(7) + ".sig"; }

  TempDir dir_{"push-signer"};
  std::unique_ptr<DockerRegistry> registry_;
  std::unique_ptr<RegistryWriter> writer_;
  std::unique_ptr<UpstreamSide> side_;
  std::unique_ptr<PushSigner> signer_;
};

TEST_F(PushSignerTest, WhatItWritesVerifiesWithTheOpensslCli) {
  const auto digest = writer_->push_image("ci/app");
  const auto outcome = sign("ci/app", digest);
  ASSERT_EQ(outcome.status, SignOutcome::Status::signed_now) << outcome.describe();
  EXPECT_EQ(outcome.signature_tag, tag_of(digest));
  EXPECT_EQ(outcome.key_fingerprint, kCiFingerprint);

  const auto manifest_bytes = writer_->get_manifest("ci/app", tag_of(digest));
  EXPECT_EQ(signing::sha256_digest(manifest_bytes), outcome.signature_manifest_digest);
  const auto manifest = nlohmann::json::parse(manifest_bytes);
  EXPECT_EQ(manifest["mediaType"], kOciManifest);
  ASSERT_EQ(manifest["layers"].size(), 1u);
  const auto& layer = manifest["layers"][0];
  EXPECT_EQ(layer["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json");
  const auto payload = writer_->get_blob("ci/app", layer["digest"].get<std::string>());
  // The payload is exactly what cosign signs (SIGNATURE_SPEC), byte for byte.
  EXPECT_EQ(payload, cosign_payload(ref("ci/app"), digest));
  const std::string sig = layer["annotations"]["dev.cosignproject.cosign/signature"];
  EXPECT_EQ(signing::testing::openssl_verify(dir_, key_path("ci-ecdsa-p256.pub"), payload, sig),
            "Verified OK");
  // The config lists the payload, as containers/image writes it.
  const auto config = writer_->get_blob("ci/app", manifest["config"]["digest"].get<std::string>());
  EXPECT_EQ(config,
            R"({"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[")" +
                signing::sha256_digest(payload) + R"("]}})");

  auto f = facts("ci/app", digest, {"ci-ecdsa-p256.pub"}, true);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->verified.size(), 1u);
  EXPECT_EQ(f->verified[0].key_fingerprint, kCiFingerprint);
}

TEST_F(PushSignerTest, AppendsToSignaturesAlreadyThere) {
  const auto digest = writer_->push_image("ci/app");
  const auto payload = cosign_payload(ref("ci/app"), digest);
  const auto theirs = openssl_layer(dir_, "other-ecdsa-p256.key", payload);
  push_cosign_signature(*writer_, "ci/app", digest, {theirs});
  const auto outcome = sign("ci/app", digest);
  ASSERT_EQ(outcome.status, SignOutcome::Status::signed_now) << outcome.describe();
  const auto manifest = nlohmann::json::parse(writer_->get_manifest("ci/app", tag_of(digest)));
  ASSERT_EQ(manifest["layers"].size(), 2u);
  EXPECT_EQ(manifest["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"],
            theirs.signature_base64);
  auto f = facts("ci/app", digest, {"ci-ecdsa-p256.pub", "other-ecdsa-p256.pub"});
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->discovered, 2);
  EXPECT_EQ(f->verified.size(), 2u);
}

TEST_F(PushSignerTest, SigningTheSameImageAgainAddsNothing) {
  const auto digest = writer_->push_image("ci/app");
  const auto first = sign("ci/app", digest);
  ASSERT_EQ(first.status, SignOutcome::Status::signed_now) << first.describe();
  registry_->clear_access_log();
  const auto second = sign("ci/app", digest);  // e.g. CI pushed the image under a second tag
  EXPECT_EQ(second.status, SignOutcome::Status::already_signed) << second.describe();
  EXPECT_EQ(second.signature_manifest_digest, first.signature_manifest_digest);
  EXPECT_TRUE(second.ok());
  for (const auto& e : registry_->wait_for_access_log([](const auto& l) { return !l.empty(); }))
    EXPECT_EQ(e.method, "GET") << e.uri;
}

TEST_F(PushSignerTest, RepositoriesOutsideThePatternsAreNotSigned) {
  const auto digest = writer_->push_image("team/app");
  EXPECT_FALSE(signer_->applies_to("team/app"));
  EXPECT_TRUE(signer_->applies_to("ci/a/b"));
  registry_->clear_access_log();
  const auto outcome = sign("team/app", digest);
  EXPECT_EQ(outcome.status, SignOutcome::Status::not_applicable);
  EXPECT_EQ(outcome.describe(),
            "not signed: " + ref("team/app") + " matches no signing.repositories pattern");
  EXPECT_TRUE(registry_->access_log_requests().empty());
}

TEST_F(PushSignerTest, SkopeoCopyWithSigstoreAttachmentsCarriesTheSignature) {
  if (!have("/usr/bin/skopeo")) GTEST_SKIP() << "skopeo is not installed";
  const auto digest = writer_->push_image("ci/app");
  ASSERT_TRUE(sign("ci/app", digest).ok());
  testsupport::write_file(
      dir_.mkdir("registries.d") + "/default.yaml",
      "docker:\n  " + registry_->host_port() + ":\n    use-sigstore-attachments: true\n");
  testsupport::SkopeoOptions opts;
  opts.extra_args = {"--registries.d", dir_ / "registries.d"};
  const std::string host = registry_->host_port();
  auto copied = testsupport::skopeo_copy("docker://" + host + "/ci/app@" + digest,
                                         "docker://" + host + "/copy/app:v1", opts);
  ASSERT_TRUE(copied.ok()) << copied.describe();
  // containers/image wrote the copy's .sig manifest itself: the same bytes.
  EXPECT_EQ(writer_->get_manifest("copy/app", tag_of(digest)),
            writer_->get_manifest("ci/app", tag_of(digest)));
  auto f = facts("copy/app", digest);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->verified.size(), 1u);
  EXPECT_EQ(f->verified[0].docker_reference, ref("ci/app"));  // where it was signed
  // With the identity check, a signature made for ci/app does not count for copy/app.
  auto strict = facts("copy/app", digest, {"ci-ecdsa-p256.pub"}, true);
  ASSERT_TRUE(strict);
  EXPECT_TRUE(strict->verified.empty());
}

TEST_F(PushSignerTest, ConfiguredWithAnEncryptedKeyAndPassphraseFile) {
  config::Signing cfg;
  cfg.key = key_path("ci-ecdsa-p256-encrypted.key");
  cfg.passphrase_file = key_path("ci-ecdsa-p256.passphrase");
  cfg.repositories = {"ci/**"};
  cfg.repository_locations = {"portcullis.yaml:9:18"};
  cfg.location = "portcullis.yaml:5:3";
  PushSigner signer(cfg, side_->pool());
  EXPECT_EQ(signer.public_key().fingerprint(), kCiFingerprint);
  const auto digest = writer_->push_image("ci/app");
  EXPECT_EQ(sign("ci/app", digest, &signer).status, SignOutcome::Status::signed_now);

  ::setenv("PORTCULLIS_TEST_WRONG_PASSPHRASE", "wrong", 1);
  auto wrong = cfg;
  wrong.passphrase_file.clear();
  wrong.passphrase_env = "PORTCULLIS_TEST_WRONG_PASSPHRASE";
  try {
    PushSigner bad(wrong, side_->pool());
    FAIL() << "a wrong passphrase was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("portcullis.yaml:5:3: signing.key " + cfg.key + ": ", 0),
              0u)
        << e.what();
  }
  auto bad_glob = cfg;
  bad_glob.repositories = {"ci/[abc]"};
  try {
    PushSigner bad(bad_glob, side_->pool());
    FAIL() << "a bad pattern was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind("portcullis.yaml:9:18: signing.repositories \"ci/[abc]\": ", 0),
        0u)
        << e.what();
  }
}

TEST_F(PushSignerTest, TheProspectiveSignatureSatisfiesAManifestThatTrustsItsKey) {
  const auto digest = writer_->push_image("ci/app");
  policy::SignatureFacts facts;
  facts.verified.push_back(signer_->prospective_signature(ref("ci/app")));
  EXPECT_EQ(facts.verified[0].key_fingerprint, kCiFingerprint);
  EXPECT_EQ(facts.verified[0].source, "pending:push-signer");
  EXPECT_EQ(judge(*require_signature_by(dir_, "ci-ecdsa-p256.pub"), "ci/app", digest, facts), "");
  // A manifest that trusts another key is not satisfied by it.
  EXPECT_NE(judge(*require_signature_by(dir_, "other-ecdsa-p256.pub"), "ci/app", digest, facts),
            "");
}

TEST(PushSignerAuth, SignsThroughAnUpstreamThatNeedsCredentials) {
  if (!have("/usr/bin/docker-registry") || !have("/usr/bin/openssl"))
    GTEST_SKIP() << "peers missing";
  DockerRegistry registry({.auth = testsupport::RegistryAuth::Htpasswd("robot", "s3cret")});
  RegistryWriter writer(registry, "cm9ib3Q6czNjcmV0");  // robot:s3cret
  UpstreamSide side(registry.url(), "robot", "s3cret");
  PushSigner signer(signing::testing::load_priv("ci-ecdsa-p256.key"), {}, side.pool());
  const auto digest = writer.push_image("ci/app");
  const auto outcome = side.run(
      signer.sign(side.upstream(), "ci/app", digest, std::string(kUpstreamName) + "/ci/app"));
  ASSERT_EQ(outcome.status, SignOutcome::Status::signed_now) << outcome.describe();
  UpstreamSignatureSource source(side.pool(),
                                 fixed_keys({signing::testing::load_pub("ci-ecdsa-p256.pub")}));
  auto f = side.run(source.signatures(side.upstream(), "ci/app", digest));
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->verified.size(), 1u);

  UpstreamSide wrong(registry.url(), "robot", "nope");
  auto refused = wrong.run(source.signatures(wrong.upstream(), "ci/app", digest));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, assessment::Errc::unauthorized);
}

}  // namespace
}  // namespace portcullis::proxy::signatures::testing
