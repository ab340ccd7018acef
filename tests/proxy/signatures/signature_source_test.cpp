// UpstreamSignatureSource against a real docker-registry: signatures written
// independently (openssl CLI + the SIGNATURE_SPEC layout) verify; every deny
// case reaches the user as a clear reason through the policy evaluator; the
// cache costs exactly one HEAD per warm call and notices new signatures.
#include <gtest/gtest.h>

#include "proxy/signatures/upstream_signature_source.h"
#include "tests/proxy/signatures/signature_env.h"

namespace portcullis::proxy::signatures::testing {
namespace {

using signing::testing::kCiFingerprint;
using signing::testing::key_path;

class SignatureSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("/usr/bin/docker-registry")) GTEST_SKIP() << "docker-registry is not installed";
    if (!have("/usr/bin/openssl")) GTEST_SKIP() << "openssl is not installed";
    registry_ = std::make_unique<DockerRegistry>();
    writer_ = std::make_unique<RegistryWriter>(*registry_);
    side_ = std::make_unique<UpstreamSide>(registry_->url());
    policy_ = require_signature_by(dir_, "ci-ecdsa-p256.pub");
    source_ = make_source();
  }

  std::unique_ptr<UpstreamSignatureSource> make_source(SignatureSourceOptions options = {}) {
    return std::make_unique<UpstreamSignatureSource>(side_->pool(), keys_from_manifests(policy_),
                                                     options);
  }

  assessment::Result<policy::SignatureFacts> facts(const std::string& repo,
                                                   const std::string& digest,
                                                   UpstreamSignatureSource* source = nullptr) {
    if (!source) source = source_.get();
    return side_->run(source->signatures(side_->upstream(), repo, digest));
  }

  // The user-visible verdict text ("" = allowed) for repo@digest.
  std::string verdict(const std::string& repo, const std::string& digest) {
    auto f = facts(repo, digest);
    if (!f) return "ERROR " + f.error().message;
    return judge(*policy_, repo, digest, *f);
  }

  std::string ref(const std::string& repo) { return std::string(kUpstreamName) + "/" + repo; }
  std::string tag_of(const std::string& digest) { return "sha256-" + digest.substr(7) + ".sig"; }
  std::string image(const std::string& repo, const std::string& digest) {
    return ref(repo) + "@" + digest;
  }

  TempDir dir_{"signature-source"};
  std::unique_ptr<DockerRegistry> registry_;
  std::unique_ptr<RegistryWriter> writer_;
  std::unique_ptr<UpstreamSide> side_;
  std::shared_ptr<const policy::ManifestSet> policy_;
  std::unique_ptr<UpstreamSignatureSource> source_;
};

TEST_F(SignatureSourceTest, AnOpensslSignatureInTheCosignLayoutVerifies) {
  const auto digest = writer_->push_image("team/app");
  // Written by make_cosign_signature.sh with nothing but the openssl CLI.
  const std::string out = dir_ / "cosign";
  auto made = testsupport::run(
      {"/bin/sh", std::string(PORTCULLIS_SOURCE_DIR) + "/tests/signing/make_cosign_signature.sh",
       key_path("ci-ecdsa-p256.key"), digest, ref("team/app"), out});
  ASSERT_TRUE(made.ok()) << made.describe();
  writer_->push_blob("team/app", testsupport::read_file(out + "/payload.json"));
  writer_->push_blob("team/app", testsupport::read_file(out + "/config.json"));
  writer_->put_manifest("team/app", tag_of(digest), testsupport::read_file(out + "/manifest.json"));

  auto f = facts("team/app", digest);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->discovered, 1);
  ASSERT_EQ(f->verified.size(), 1u) << (f->rejected.empty() ? "" : f->rejected[0]);
  EXPECT_EQ(f->verified[0].key_fingerprint, kCiFingerprint);
  EXPECT_EQ(f->verified[0].docker_reference, ref("team/app"));
  EXPECT_EQ(f->verified[0].source, "tag:" + tag_of(digest));
  EXPECT_EQ(judge(*policy_, "team/app", digest, *f), "");
}

TEST_F(SignatureSourceTest, EveryKeyTypeSignedByOpensslVerifies) {
  struct Case {
    const char* key;
    bool ed25519;
  };
  for (const auto& c :
       {Case{"ecdsa-p384", false}, Case{"rsa-2048", false}, Case{"ed25519", true}}) {
    SCOPED_TRACE(c.key);
    auto policy = require_signature_by(dir_, std::string(c.key) + ".pub");
    UpstreamSignatureSource source(side_->pool(), keys_from_manifests(policy));
    const auto digest = writer_->push_image("team/keys");
    const auto payload = cosign_payload(ref("team/keys"), digest);
    const auto sig = signing::testing::openssl_sign(dir_, key_path(std::string(c.key) + ".key"),
                                                    payload, {}, "-sha256", c.ed25519);
    push_cosign_signature(*writer_, "team/keys", digest, {{payload, sig}});
    auto f = facts("team/keys", digest, &source);
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_EQ(f->verified.size(), 1u) << (f->rejected.empty() ? "" : f->rejected[0]);
    EXPECT_EQ(judge(*policy, "team/keys", digest, *f), "");
  }
}

TEST_F(SignatureSourceTest, NoSignatureIsDenied) {
  const auto digest = writer_->push_image("team/app");
  EXPECT_EQ(verdict("team/app", digest), "image " + image("team/app", digest) +
                                             " has no valid signature by a trusted key of "
                                             "signed-only (signatures.required, keys: ci); 0 "
                                             "signatures found");
}

TEST_F(SignatureSourceTest, ASignatureByAnUntrustedKeyIsDenied) {
  const auto digest = writer_->push_image("team/app");
  const auto payload = cosign_payload(ref("team/app"), digest);
  push_cosign_signature(*writer_, "team/app", digest,
                        {openssl_layer(dir_, "other-ecdsa-p256.key", payload)});
  EXPECT_EQ(verdict("team/app", digest),
            "image " + image("team/app", digest) +
                " has no valid signature by a trusted key of signed-only (signatures.required, "
                "keys: ci); 1 "
                "signature found, rejected: tag:" +
                tag_of(digest) + ": layer " + signing::sha256_digest(payload) +
                ": signature does not verify with key " + kCiFingerprint + " (ECDSA P-256)");
}

TEST_F(SignatureSourceTest, APayloadForAnotherDigestReplayedOntoThisTagIsDenied) {
  const auto signed_digest = writer_->push_image("team/app", "v1");
  const auto target_digest = writer_->push_image("team/app", "v2");
  // A genuine CI signature of v1, copied to v2's .sig tag.
  const auto payload = cosign_payload(ref("team/app"), signed_digest);
  push_cosign_signature(*writer_, "team/app", target_digest,
                        {openssl_layer(dir_, "ci-ecdsa-p256.key", payload)});
  EXPECT_EQ(verdict("team/app", target_digest),
            "image " + image("team/app", target_digest) +
                " has no valid signature by a trusted key of signed-only (signatures.required, "
                "keys: ci); 1 "
                "signature found, rejected: tag:" +
                tag_of(target_digest) + ": layer " + signing::sha256_digest(payload) +
                ": payload is for manifest " + signed_digest + ", not " + target_digest +
                " (signature replayed from another image?)");
}

TEST_F(SignatureSourceTest, ATamperedPayloadIsDenied) {
  const auto digest = writer_->push_image("team/app");
  const auto payload = cosign_payload(ref("team/app"), digest);
  auto layer = openssl_layer(dir_, "ci-ecdsa-p256.key", payload);
  // Same digest, other identity: the descriptor matches the new bytes, the signature does not.
  layer.payload = cosign_payload(ref("team/evil"), digest);
  push_cosign_signature(*writer_, "team/app", digest, {layer});
  EXPECT_EQ(verdict("team/app", digest),
            "image " + image("team/app", digest) +
                " has no valid signature by a trusted key of signed-only (signatures.required, "
                "keys: ci); 1 "
                "signature found, rejected: tag:" +
                tag_of(digest) + ": layer " + signing::sha256_digest(layer.payload) +
                ": signature does not verify with key " + kCiFingerprint + " (ECDSA P-256)");
}

TEST_F(SignatureSourceTest, APayloadThatDoesNotMatchItsDescriptorIsDenied) {
  const auto digest = writer_->push_image("team/app");
  const auto payload = cosign_payload(ref("team/app"), digest);
  auto layer = openssl_layer(dir_, "ci-ecdsa-p256.key", payload);
  const std::string other = cosign_payload(ref("team/other"), digest);
  writer_->push_blob("team/app", other);
  // The descriptor names the genuine payload's digest, but the registry holds
  // other bytes there? It cannot (content-addressed), so name `other` with the
  // genuine payload's size: a size mismatch.
  layer.payload = other;
  layer.declared_size = payload.size();
  push_cosign_signature(*writer_, "team/app", digest, {layer});
  const auto text = verdict("team/app", digest);
  EXPECT_NE(
      text.find("rejected: tag:" + tag_of(digest) + ": layer " + signing::sha256_digest(other)),
      std::string::npos)
      << text;
}

TEST_F(SignatureSourceTest, AMalformedBase64SignatureIsDenied) {
  const auto digest = writer_->push_image("team/app");
  const auto payload = cosign_payload(ref("team/app"), digest);
  push_cosign_signature(*writer_, "team/app", digest, {{payload, "not*base64!"}});
  EXPECT_EQ(verdict("team/app", digest),
            "image " + image("team/app", digest) +
                " has no valid signature by a trusted key of signed-only (signatures.required, "
                "keys: ci); 1 "
                "signature found, rejected: tag:" +
                tag_of(digest) + ": layer " + signing::sha256_digest(payload) +
                ": malformed base64 signature: invalid character '*' at offset 3");
}

TEST_F(SignatureSourceTest, ASignatureManifestPointingAtAHugeBlobIsRejectedUnread) {
  const auto digest = writer_->push_image("team/app");
  const auto payload = cosign_payload(ref("team/app"), digest);
  auto layer = openssl_layer(dir_, "ci-ecdsa-p256.key", payload);
  layer.payload = payload + std::string(2 << 20, ' ');  // 2 MiB "payload"
  push_cosign_signature(*writer_, "team/app", digest, {layer});
  const std::string huge = signing::sha256_digest(layer.payload);
  registry_->clear_access_log();
  const auto text = verdict("team/app", digest);
  EXPECT_NE(text.find("1 signature found, rejected: tag:" + tag_of(digest) + ": "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("declares a payload of " + std::to_string(layer.payload.size()) + " bytes"),
            std::string::npos)
      << text;
  for (const auto& e : registry_->access_log_requests())
    EXPECT_EQ(e.path().find(huge.substr(7)), std::string::npos) << "fetched " << e.uri;
}

TEST_F(SignatureSourceTest, IdentityCheckRefusesASignatureForAnotherRepository) {
  SignatureSourceOptions options;
  options.check_identity = true;
  auto source = make_source(options);
  const auto digest = writer_->push_image("team/app");
  // Genuine CI signature of these bytes, but made for another repository.
  const auto payload = cosign_payload(ref("team/other"), digest);
  push_cosign_signature(*writer_, "team/app", digest,
                        {openssl_layer(dir_, "ci-ecdsa-p256.key", payload)});
  auto f = facts("team/app", digest, source.get());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(f->verified.empty());
  ASSERT_EQ(f->rejected.size(), 1u);
  EXPECT_EQ(f->rejected[0], "tag:" + tag_of(digest) + ": layer " + signing::sha256_digest(payload) +
                                ": payload docker-reference \"" + ref("team/other") +
                                "\" does not match the expected repository \"" + ref("team/app") +
                                "\"");
  // Without the check (cosign's default) the same signature counts.
  auto lax = facts("team/app", digest);
  ASSERT_TRUE(lax);
  EXPECT_EQ(lax->verified.size(), 1u);
}

TEST_F(SignatureSourceTest, AWarmCallIsExactlyOneHeadAndANewSignatureInvalidates) {
  const auto digest = writer_->push_image("team/app");
  // First contact with the upstream: its auth scheme (GET /v2/), the .sig tag
  // (404), and the referrers API, which docker-registry 2.8 lacks (404): that
  // is remembered for the upstream, not asked per image.
  registry_->clear_access_log();
  const auto other_image = writer_->push_image("team/other");
  registry_->clear_access_log();
  ASSERT_TRUE(facts("team/other", other_image));
  auto first_log = registry_->wait_for_access_log([](const auto& l) { return l.size() >= 3; });
  ASSERT_EQ(first_log.size(), 3u);
  EXPECT_EQ(first_log[0].method + " " + first_log[0].path(), "GET /v2/");
  EXPECT_EQ(first_log[1].method + " " + first_log[1].path(),
            "GET /v2/team/other/manifests/" + tag_of(other_image));
  EXPECT_EQ(
      first_log[2].method + " " + first_log[2].path() + " " + std::to_string(first_log[2].status),
      "GET /v2/team/other/referrers/" + other_image + " 404");

  // Cold for this image: the .sig tag alone (404: unsigned).
  registry_->clear_access_log();
  auto cold = facts("team/app", digest);
  ASSERT_TRUE(cold);
  EXPECT_EQ(cold->discovered, 0);
  auto cold_log = registry_->wait_for_access_log([](const auto& l) { return !l.empty(); });
  ASSERT_EQ(cold_log.size(), 1u);
  EXPECT_EQ(
      cold_log[0].method + " " + cold_log[0].path() + " " + std::to_string(cold_log[0].status),
      "GET /v2/team/app/manifests/" + tag_of(digest) + " 404");

  registry_->clear_access_log();
  auto warm = facts("team/app", digest);
  ASSERT_TRUE(warm);
  EXPECT_EQ(warm->discovered, 0);
  auto warm_log = registry_->wait_for_access_log([](const auto& l) { return !l.empty(); });
  ASSERT_EQ(warm_log.size(), 1u);
  EXPECT_EQ(warm_log[0].method + " " + warm_log[0].uri,
            "HEAD /v2/team/app/manifests/" + tag_of(digest));
  EXPECT_EQ(warm_log[0].status, 404);

  // CI signs: the next call sees the tag appear and verifies.
  const auto payload = cosign_payload(ref("team/app"), digest);
  push_cosign_signature(*writer_, "team/app", digest,
                        {openssl_layer(dir_, "ci-ecdsa-p256.key", payload)});
  registry_->clear_access_log();
  auto fresh = facts("team/app", digest);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->verified.size(), 1u);
  auto fresh_log = registry_->wait_for_access_log([](const auto& l) { return l.size() >= 3; });
  ASSERT_EQ(fresh_log.size(), 3u);  // HEAD (changed), GET the manifest, GET the payload
  EXPECT_EQ(fresh_log[0].method, "HEAD");
  EXPECT_EQ(fresh_log[1].method + " " + fresh_log[1].path(),
            "GET /v2/team/app/manifests/" + tag_of(digest));
  EXPECT_EQ(fresh_log[2].method + " " + fresh_log[2].path(),
            "GET /v2/team/app/blobs/" + signing::sha256_digest(payload));

  // Signed and cached: again exactly one HEAD, now answered 200.
  registry_->clear_access_log();
  auto cached = facts("team/app", digest);
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->verified.size(), 1u);
  auto cached_log = registry_->wait_for_access_log([](const auto& l) { return !l.empty(); });
  ASSERT_EQ(cached_log.size(), 1u);
  EXPECT_EQ(cached_log[0].method + " " + std::to_string(cached_log[0].status), "HEAD 200");

  // A second signature appended: only the new payload is fetched.
  const auto other = cosign_payload(ref("team/app") + "-mirror", digest);
  push_cosign_signature(*writer_, "team/app", digest,
                        {openssl_layer(dir_, "ci-ecdsa-p256.key", payload),
                         openssl_layer(dir_, "other-ecdsa-p256.key", other)});
  registry_->clear_access_log();
  auto appended = facts("team/app", digest);
  ASSERT_TRUE(appended);
  EXPECT_EQ(appended->discovered, 2);
  EXPECT_EQ(appended->verified.size(), 1u);
  auto appended_log = registry_->wait_for_access_log([](const auto& l) { return l.size() >= 3; });
  ASSERT_EQ(appended_log.size(), 3u);
  EXPECT_EQ(appended_log[2].path(), "/v2/team/app/blobs/" + signing::sha256_digest(other));

  const auto stats = source_->stats();
  EXPECT_EQ(stats.cold, 2u);
  EXPECT_EQ(stats.unchanged, 2u);
  EXPECT_EQ(stats.rediscovered, 2u);
}

TEST_F(SignatureSourceTest, ANewTrustedKeyIsAppliedWithoutAskingAgain) {
  const auto digest = writer_->push_image("team/app");
  const auto payload = cosign_payload(ref("team/app"), digest);
  push_cosign_signature(*writer_, "team/app", digest,
                        {openssl_layer(dir_, "other-ecdsa-p256.key", payload)});
  std::shared_ptr<const TrustedKeySet> keys =
      make_key_set({signing::testing::load_pub("ci-ecdsa-p256.pub")});
  UpstreamSignatureSource source(side_->pool(), [&keys] { return keys; });
  auto before = facts("team/app", digest, &source);
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->verified.empty());
  keys = make_key_set({signing::testing::load_pub("ci-ecdsa-p256.pub"),
                       signing::testing::load_pub("other-ecdsa-p256.pub")});
  registry_->clear_access_log();
  auto after = facts("team/app", digest, &source);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->verified.size(), 1u);
  EXPECT_EQ(registry_->wait_for_access_log([](const auto& l) { return !l.empty(); }).size(), 1u);
}

TEST_F(SignatureSourceTest, AnUpstreamThatIsDownIsAnErrorNeverUnsigned) {
  const auto digest = writer_->push_image("team/app");
  ASSERT_TRUE(facts("team/app", digest));  // cached as unsigned
  registry_->stop();
  auto down = facts("team/app", digest);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, assessment::Errc::upstream);
  auto cold = make_source();
  auto cold_down = facts("team/app", digest, cold.get());
  ASSERT_FALSE(cold_down);
  EXPECT_EQ(cold_down.error().code, assessment::Errc::upstream);
  EXPECT_NE(cold_down.error().message.find("/v2/team/app/manifests/" + tag_of(digest)),
            std::string::npos)
      << cold_down.error().message;
}

TEST_F(SignatureSourceTest, AMalformedSignatureManifestIsARejectionNotAnError) {
  const auto digest = writer_->push_image("team/app");
  writer_->put_manifest(
      "team/app", tag_of(digest),
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,)"
      R"("digest":")" +
          writer_->push_blob("team/app", "{}") + R"("}})");
  auto f = facts("team/app", digest);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->discovered, 1);
  ASSERT_EQ(f->rejected.size(), 1u);
  EXPECT_EQ(f->rejected[0],
            "tag:" + tag_of(digest) +
                ": not a usable signature manifest: signature manifest has no layers array");
}

TEST_F(SignatureSourceTest, RefusesMalformedInput) {
  auto bad_digest = facts("team/app", "sha256:xyz");
  ASSERT_FALSE(bad_digest);
  EXPECT_EQ(bad_digest.error().code, assessment::Errc::invalid);
  auto bad_repo = facts("Team/../app", "sha256:" + std::string(64, 'a'));
  ASSERT_FALSE(bad_repo);
  EXPECT_EQ(bad_repo.error().code, assessment::Errc::invalid);
}

}  // namespace
}  // namespace portcullis::proxy::signatures::testing
