// What docker-registry 2.8 cannot do on demand: the OCI 1.1 referrers API,
// storage redirects to another origin, and upstream failures mid-discovery.
// A scripted server plays the registry.
#include <gtest/gtest.h>

#include "proxy/signatures/upstream_signature_source.h"
#include "tests/proxy/assessment/scripted_server.h"
#include "tests/proxy/signatures/signature_env.h"

namespace portcullis::proxy::signatures::testing {
namespace {

using assessment::testing::Reply;
using assessment::testing::ScriptedServer;
using assessment::testing::SeenRequest;
using signing::testing::kCiFingerprint;

constexpr char kDigest[] =
    "sha256:2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e";
constexpr char kSigTag[] =
    "sha256-2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e.sig";

// A cosign signature stored as an OCI 1.1 referrer of kDigest.
struct Referrer {
  std::string payload;
  std::string manifest;
  std::string manifest_digest;
  std::string index;
};

Referrer make_referrer(const TempDir& dir, const std::string& subject = kDigest) {
  Referrer r;
  r.payload = cosign_payload(std::string(kUpstreamName) + "/team/app", kDigest);
  const auto sig = signing::testing::openssl_sign(
      dir, signing::testing::key_path("ci-ecdsa-p256.key"), r.payload);
  r.manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
      R"("layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":")" +
      signing::sha256_digest(r.payload) + R"(","size":)" + std::to_string(r.payload.size()) +
      R"(,"annotations":{"dev.cosignproject.cosign/signature":")" + sig +
      R"("}}],)"
      R"("subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      subject + R"(","size":1234}})";
  r.manifest_digest = signing::sha256_digest(r.manifest);
  r.index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
      std::string(64, 'b') +
      R"(","size":500,"artifactType":"application/spdx+json"},)"
      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      r.manifest_digest + R"(","size":)" + std::to_string(r.manifest.size()) +
      R"(,"artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json"}]})";
  return r;
}

std::vector<std::string> lines(const std::vector<SeenRequest>& seen) {
  std::vector<std::string> out;
  for (const auto& s : seen)
    if (s.target != "/v2/") out.push_back(s.method + " " + s.target);
  return out;
}

class ReferrersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("/usr/bin/openssl")) GTEST_SKIP() << "openssl is not installed";
    policy_ = require_signature_by(dir_, "ci-ecdsa-p256.pub");
  }

  assessment::Result<policy::SignatureFacts> facts(UpstreamSide& side,
                                                   UpstreamSignatureSource& source) {
    return side.run(source.signatures(side.upstream(), "team/app", kDigest));
  }

  TempDir dir_{"referrers"};
  std::shared_ptr<const policy::ManifestSet> policy_;
};

TEST_F(ReferrersTest, ASignatureStoredAsAReferrerVerifiesAndIsCached) {
  const auto r = make_referrer(dir_);
  ScriptedServer server([&](const SeenRequest& s) -> Reply {
    if (s.target == "/v2/team/app/referrers/" + std::string(kDigest))
      return Reply{.headers = {{"Content-Type", "application/vnd.oci.image.index.v1+json"}},
                   .body = r.index};
    if (s.target == "/v2/team/app/manifests/" + r.manifest_digest) return Reply{.body = r.manifest};
    if (s.target == "/v2/team/app/blobs/" + signing::sha256_digest(r.payload))
      return Reply{.body = r.payload};
    if (s.target == "/v2/") return Reply{};
    return Reply{.status = 404};
  });
  UpstreamSide side(server.url());
  SignatureSourceOptions options;
  options.referrers_recheck = std::chrono::seconds(3600);
  UpstreamSignatureSource source(side.pool(), keys_from_manifests(policy_), options);
  auto f = facts(side, source);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->discovered, 1);
  ASSERT_EQ(f->verified.size(), 1u) << (f->rejected.empty() ? "" : f->rejected[0]);
  EXPECT_EQ(f->verified[0].source, "referrer:" + r.manifest_digest);
  EXPECT_EQ(f->verified[0].key_fingerprint, kCiFingerprint);
  EXPECT_EQ(judge(*policy_, "team/app", kDigest, *f), "");
  EXPECT_EQ(lines(server.requests()),
            (std::vector<std::string>{
                "GET /v2/team/app/manifests/" + std::string(kSigTag),
                "GET /v2/team/app/referrers/" + std::string(kDigest),
                "GET /v2/team/app/manifests/" + r.manifest_digest,
                "GET /v2/team/app/blobs/" + signing::sha256_digest(r.payload),
            }));
  // Warm, within the recheck period: one HEAD of the .sig tag.
  const auto before = lines(server.requests()).size();
  auto warm = facts(side, source);
  ASSERT_TRUE(warm);
  EXPECT_EQ(warm->verified.size(), 1u);
  const auto all = lines(server.requests());
  EXPECT_EQ(std::vector<std::string>(all.begin() + static_cast<long>(before), all.end()),
            (std::vector<std::string>{"HEAD /v2/team/app/manifests/" + std::string(kSigTag)}));
}

TEST_F(ReferrersTest, ReferrersAreAskedAgainAfterTheRecheckPeriodWithoutRefetchingManifests) {
  const auto r = make_referrer(dir_);
  ScriptedServer server([&](const SeenRequest& s) -> Reply {
    if (s.target == "/v2/team/app/referrers/" + std::string(kDigest)) return Reply{.body = r.index};
    if (s.target == "/v2/team/app/manifests/" + r.manifest_digest) return Reply{.body = r.manifest};
    if (s.target == "/v2/team/app/blobs/" + signing::sha256_digest(r.payload))
      return Reply{.body = r.payload};
    if (s.target == "/v2/") return Reply{};
    return Reply{.status = 404};
  });
  UpstreamSide side(server.url());
  SignatureSourceOptions options;
  options.referrers_recheck = std::chrono::seconds(0);
  UpstreamSignatureSource source(side.pool(), keys_from_manifests(policy_), options);
  ASSERT_TRUE(facts(side, source));
  const auto before = lines(server.requests()).size();
  auto again = facts(side, source);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->verified.size(), 1u);
  const auto all = lines(server.requests());
  EXPECT_EQ(std::vector<std::string>(all.begin() + static_cast<long>(before), all.end()),
            (std::vector<std::string>{"HEAD /v2/team/app/manifests/" + std::string(kSigTag),
                                      "GET /v2/team/app/manifests/" + std::string(kSigTag),
                                      "GET /v2/team/app/referrers/" + std::string(kDigest)}));
}

TEST_F(ReferrersTest, AReferrerOfAnotherSubjectDoesNotCount) {
  const auto r = make_referrer(dir_, "sha256:" + std::string(64, 'c'));
  ScriptedServer server([&](const SeenRequest& s) -> Reply {
    if (s.target == "/v2/team/app/referrers/" + std::string(kDigest)) return Reply{.body = r.index};
    if (s.target == "/v2/team/app/manifests/" + r.manifest_digest) return Reply{.body = r.manifest};
    if (s.target == "/v2/team/app/blobs/" + signing::sha256_digest(r.payload))
      return Reply{.body = r.payload};
    if (s.target == "/v2/") return Reply{};
    return Reply{.status = 404};
  });
  UpstreamSide side(server.url());
  UpstreamSignatureSource source(side.pool(), keys_from_manifests(policy_));
  auto f = facts(side, source);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(f->verified.empty());
  ASSERT_EQ(f->rejected.size(), 1u);
  EXPECT_EQ(f->rejected[0], "referrer:" + r.manifest_digest +
                                ": signature manifest's subject is sha256:" + std::string(64, 'c') +
                                ", not " + kDigest + "; its 1 signatures were ignored");
}

TEST_F(ReferrersTest, AStorageRedirectToAnotherOriginIsFollowedWithoutCredentials) {
  const std::string payload = cosign_payload(std::string(kUpstreamName) + "/team/app", kDigest);
  const auto sig = signing::testing::openssl_sign(
      dir_, signing::testing::key_path("ci-ecdsa-p256.key"), payload);
  const std::string payload_digest = signing::sha256_digest(payload);
  ScriptedServer storage([&](const SeenRequest& s) -> Reply {
    if (s.target == "/bucket/payload?sig=x") return Reply{.body = payload};
    return Reply{.status = 404};
  });
  std::string manifest;
  ScriptedServer server([&](const SeenRequest& s) -> Reply {
    if (s.authorization.empty())
      return Reply{.status = 401, .headers = {{"WWW-Authenticate", "Basic realm=\"registry\""}}};
    if (s.target == "/v2/") return Reply{};
    if (s.target == "/v2/team/app/manifests/" + std::string(kSigTag))
      return Reply{.body = manifest};
    if (s.target == "/v2/team/app/blobs/" + payload_digest)
      return Reply{.status = 307,
                   .headers = {{"Location", storage.url() + "/bucket/payload?sig=x"}}};
    return Reply{.status = 404};
  });
  manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},)"
      R"("layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":)" +
      std::to_string(payload.size()) + R"(,"digest":")" + payload_digest +
      R"(","annotations":{"dev.cosignproject.cosign/signature":")" + sig + R"("}}]})";
  UpstreamSide side(server.url(), "robot", "secret");
  UpstreamSignatureSource source(side.pool(), keys_from_manifests(policy_));
  auto f = facts(side, source);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->verified.size(), 1u) << (f->rejected.empty() ? "" : f->rejected[0]);
  const auto at_storage = storage.requests();
  ASSERT_EQ(at_storage.size(), 1u);
  EXPECT_EQ(at_storage[0].authorization, "");  // the upstream's credentials stay with the upstream
  EXPECT_EQ(server.requests().back().authorization, "Basic cm9ib3Q6c2VjcmV0")
      << server.requests().back().target;
}

TEST_F(ReferrersTest, AFailingReferrersApiIsAnErrorNotUnsigned) {
  ScriptedServer server([&](const SeenRequest& s) -> Reply {
    if (s.target == "/v2/") return Reply{};
    if (s.target == "/v2/team/app/referrers/" + std::string(kDigest)) return Reply{.status = 503};
    return Reply{.status = 404};
  });
  UpstreamSide side(server.url());
  UpstreamSignatureSource source(side.pool(), keys_from_manifests(policy_));
  auto f = facts(side, source);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, assessment::Errc::upstream);
  EXPECT_NE(f.error().message.find("referrers"), std::string::npos) << f.error().message;
  EXPECT_NE(f.error().message.find("503"), std::string::npos) << f.error().message;
}

TEST_F(ReferrersTest, APayloadLargerThanItsDescriptorIsRejected) {
  const std::string payload = cosign_payload(std::string(kUpstreamName) + "/team/app", kDigest);
  const auto sig = signing::testing::openssl_sign(
      dir_, signing::testing::key_path("ci-ecdsa-p256.key"), payload);
  const std::string payload_digest = signing::sha256_digest(payload);
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},)"
      R"("layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":)" +
      std::to_string(payload.size()) + R"(,"digest":")" + payload_digest +
      R"(","annotations":{"dev.cosignproject.cosign/signature":")" + sig + R"("}}]})";
  ScriptedServer server([&](const SeenRequest& s) -> Reply {
    if (s.target == "/v2/") return Reply{};
    if (s.target == "/v2/team/app/manifests/" + std::string(kSigTag))
      return Reply{.body = manifest};
    // A registry that answers a blob with far more than the descriptor says.
    if (s.target == "/v2/team/app/blobs/" + payload_digest)
      return Reply{.body = std::string(1 << 20, 'x')};
    return Reply{.status = 404};
  });
  UpstreamSide side(server.url());
  UpstreamSignatureSource source(side.pool(), keys_from_manifests(policy_));
  auto f = facts(side, source);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->rejected.size(), 1u);
  EXPECT_EQ(f->rejected[0], "tag:" + std::string(kSigTag) + ": layer " + payload_digest +
                                ": payload not fetched: the blob is larger than its descriptor's " +
                                std::to_string(payload.size()) + " bytes");
}

}  // namespace
}  // namespace portcullis::proxy::signatures::testing
