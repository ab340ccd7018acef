// The glue the proxy calls: discovered signature manifests + fetched payloads
// + trusted keys -> policy::SignatureFacts. Signatures are written by
// make_cosign_signature.sh (openssl CLI + the cosign spec), not by Portcullis.
#include <gtest/gtest.h>

#include "signing/assess.h"
#include "signing/digest.h"
#include "tests/signing/test_util.h"

namespace portcullis::signing {
namespace {

using testing::kDigest;
using testing::kOtherDigest;
using testing::kRepo;

using testing::key_path;
using testing::load_pub;
using testing::slurp;

// What the script wrote for one signature.
struct Written {
  std::string manifest;
  std::string payload;
  std::string signature_b64;
};

class Assess : public ::testing::Test {
 protected:
  testsupport::TempDir dir_{"signing-assess"};
  std::vector<PublicKey> ci_only_{load_pub("ci-ecdsa-p256.pub")};
  int n_ = 0;

  Written script(const std::string& key, const std::string& digest, const std::string& ref = kRepo,
                 bool ed25519 = false) {
    std::string out = dir_ / ("sig" + std::to_string(n_++));
    std::vector<std::string> argv{
        std::string(PORTCULLIS_SOURCE_DIR) + "/tests/signing/make_cosign_signature.sh",
        key_path(key), digest, ref, out};
    if (ed25519) argv.push_back("ed25519");
    auto r = testsupport::run(argv);
    EXPECT_TRUE(r.ok()) << r.describe();
    return {slurp(out + "/manifest.json"), slurp(out + "/payload.json"),
            slurp(out + "/signature.b64")};
  }

  // The proxy's part, simulated: parse the .sig manifest, "fetch" payloads.
  SignatureSource source_from(const std::string& manifest_bytes,
                              const std::map<std::string, std::string>& blobs,
                              const std::string& source = tag_source(testing::kSigTag)) {
    SignatureSource src;
    src.source = source;
    auto m = parse_signature_manifest(manifest_bytes);
    EXPECT_TRUE(m) << m.error().message;
    if (m) src.manifest = *m;
    for (const auto& layer : src.manifest.signatures) {
      auto it = blobs.find(layer.payload_digest);
      if (it != blobs.end()) src.payloads[layer.payload_digest] = it->second;
    }
    return src;
  }

  SignatureSource source_from(const Written& w) {
    return source_from(w.manifest, {{sha256_digest(w.payload), w.payload}});
  }

  std::string layer_prefix(const Written& w) {
    return std::string("tag:") + testing::kSigTag + ": layer " + sha256_digest(w.payload) + ": ";
  }
};

TEST_F(Assess, ScriptWrittenSignatureByTrustedKeyVerifies) {
  auto w = script("ci-ecdsa-p256.key", kDigest);
  std::vector<SignatureSource> sources{source_from(w)};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_EQ(facts.discovered, 1);
  EXPECT_TRUE(facts.rejected.empty()) << facts.rejected[0];
  ASSERT_EQ(facts.verified.size(), 1u);
  EXPECT_EQ(facts.verified[0].key_fingerprint, testing::kCiFingerprint);
  EXPECT_EQ(facts.verified[0].docker_reference, kRepo);
  EXPECT_EQ(facts.verified[0].source, std::string("tag:") + testing::kSigTag);
}

TEST_F(Assess, NoSignatureAtAll) {
  auto facts = assess_signatures(kDigest, {}, ci_only_);
  EXPECT_EQ(facts.discovered, 0);
  EXPECT_TRUE(facts.verified.empty());
  EXPECT_TRUE(facts.rejected.empty());
}

TEST_F(Assess, SignatureByUntrustedKey) {
  auto w = script("other-ecdsa-p256.key", kDigest);
  std::vector<SignatureSource> sources{source_from(w)};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_EQ(facts.discovered, 1);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0], layer_prefix(w) + "signature does not verify with key " +
                                   testing::kCiFingerprint + " (ECDSA P-256)");
}

TEST_F(Assess, PayloadForAnotherDigestReplayedOntoThisTag) {
  // A genuine CI signature of another image, copied to this image's .sig tag.
  auto w = script("ci-ecdsa-p256.key", kOtherDigest);
  std::vector<SignatureSource> sources{source_from(w)};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0], layer_prefix(w) + "payload is for manifest " + kOtherDigest +
                                   ", not " + kDigest +
                                   " (signature replayed from another image?)");
}

TEST_F(Assess, TamperedPayloadBlob) {
  auto w = script("ci-ecdsa-p256.key", kDigest);
  // The registry serves different bytes under the descriptor's digest.
  std::string evil = w.payload;
  evil[evil.find("team")] = 'T';
  std::vector<SignatureSource> sources{source_from(w.manifest, {{sha256_digest(w.payload), evil}})};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0], layer_prefix(w) + "payload bytes have digest " +
                                   sha256_digest(evil) + ", not the descriptor's");

  // Or the attacker rewrites payload and descriptor consistently: the signature fails.
  std::string manifest = w.manifest;
  manifest.replace(manifest.find(sha256_digest(w.payload)), 71, sha256_digest(evil));
  std::vector<SignatureSource> rewritten{source_from(manifest, {{sha256_digest(evil), evil}})};
  auto facts2 = assess_signatures(kDigest, rewritten, ci_only_);
  EXPECT_TRUE(facts2.verified.empty());
  ASSERT_EQ(facts2.rejected.size(), 1u);
  EXPECT_EQ(facts2.rejected[0], std::string("tag:") + testing::kSigTag + ": layer " +
                                    sha256_digest(evil) + ": signature does not verify with key " +
                                    testing::kCiFingerprint + " (ECDSA P-256)");
}

TEST_F(Assess, MalformedBase64Annotation) {
  auto w = script("ci-ecdsa-p256.key", kDigest);
  std::string manifest = w.manifest;
  manifest.replace(manifest.find(w.signature_b64), 4, "@@@@");
  std::vector<SignatureSource> sources{
      source_from(manifest, {{sha256_digest(w.payload), w.payload}})};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0],
            layer_prefix(w) + "malformed base64 signature: invalid character '@' at offset 0");
}

TEST_F(Assess, SignatureManifestPointingAtAHugeBlob) {
  auto w = script("ci-ecdsa-p256.key", kDigest);
  std::string manifest = w.manifest;
  const std::string size = "\"size\":" + std::to_string(w.payload.size()) + ",";
  manifest.replace(manifest.find(size), size.size(), "\"size\":53687091200,");
  std::vector<SignatureSource> sources{source_from(manifest, {})};
  ASSERT_TRUE(sources[0].manifest.signatures.empty());  // nothing to fetch
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_EQ(facts.discovered, 1);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0], std::string("tag:") + testing::kSigTag + ": layer " +
                                   sha256_digest(w.payload) +
                                   " declares a payload of 53687091200 bytes, more than the limit "
                                   "of 65536; not fetched");
}

TEST_F(Assess, PayloadThatCouldNotBeFetched) {
  auto w = script("ci-ecdsa-p256.key", kDigest);
  auto src = source_from(w.manifest, {});
  src.fetch_errors[sha256_digest(w.payload)] = "upstream answered 404 BLOB_UNKNOWN";
  std::vector<SignatureSource> sources{src};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0],
            layer_prefix(w) + "payload not fetched: upstream answered 404 BLOB_UNKNOWN");
}

TEST_F(Assess, SeveralKeysAndSourcesEachCounted) {
  auto ci = script("ci-ecdsa-p256.key", kDigest);
  auto ed = script("ed25519.key", kDigest, kRepo, /*ed25519=*/true);
  auto stranger = script("other-ecdsa-p256.key", kDigest);
  std::vector<PublicKey> keys{load_pub("ci-ecdsa-p256.pub"), load_pub("ed25519.pub")};
  const std::string referrer_digest = sha256_digest(ed.manifest);
  std::vector<SignatureSource> sources{
      source_from(ci),
      source_from(ed.manifest, {{sha256_digest(ed.payload), ed.payload}},
                  referrer_source(referrer_digest)),
      source_from(stranger)};
  auto facts = assess_signatures(kDigest, sources, keys);
  EXPECT_EQ(facts.discovered, 3);
  ASSERT_EQ(facts.verified.size(), 2u);
  EXPECT_EQ(facts.verified[0].key_fingerprint, testing::kCiFingerprint);
  EXPECT_EQ(facts.verified[1].key_fingerprint, load_pub("ed25519.pub").fingerprint());
  EXPECT_EQ(facts.verified[1].source, "referrer:" + referrer_digest);
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0],
            layer_prefix(stranger) + "signature does not verify with any of the 2 trusted keys");
}

TEST_F(Assess, ReferrerOfAnotherSubjectIsIgnored) {
  auto w = script("ci-ecdsa-p256.key", kDigest);
  std::string manifest = w.manifest;
  manifest.insert(
      manifest.find("\"config\""),
      std::string(
          R"("subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")") +
          kOtherDigest + R"(","size":10},)");
  std::vector<SignatureSource> sources{source_from(
      manifest, {{sha256_digest(w.payload), w.payload}}, referrer_source(sha256_digest(manifest)))};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0], "referrer:" + sha256_digest(manifest) +
                                   ": signature manifest's subject is " + kOtherDigest + ", not " +
                                   kDigest + "; its 1 signatures were ignored");
}

TEST_F(Assess, IdentityCheckWhenAsked) {
  auto w = script("ci-ecdsa-p256.key", kDigest, "registry.example/other/app");
  std::vector<SignatureSource> sources{source_from(w)};
  EXPECT_EQ(assess_signatures(kDigest, sources, ci_only_).verified.size(), 1u);
  AssessOptions opts;
  opts.expected_docker_reference = kRepo;
  auto facts = assess_signatures(kDigest, sources, ci_only_, opts);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0],
            layer_prefix(w) +
                "payload docker-reference \"registry.example/other/app\" does "
                "not match the expected repository \"registry.example/team/app\"");
}

TEST_F(Assess, RefusedReferrersAreCountedWithTheirReasons) {
  const std::string huge =
      "sha256:4444444444444444444444444444444444444444444444444444444444444444";
  auto sel = parse_referrers_index(
      R"({"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      huge +
      R"(","size":999999999,"artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json"}]})");
  ASSERT_TRUE(sel) << sel.error().message;
  std::vector<SignatureSource> sources{refused_referrers_source(kDigest, *sel)};
  auto facts = assess_signatures(kDigest, sources, ci_only_);
  EXPECT_EQ(facts.discovered, 1);
  EXPECT_TRUE(facts.verified.empty());
  ASSERT_EQ(facts.rejected.size(), 1u);
  EXPECT_EQ(facts.rejected[0], std::string("referrers:") + kDigest + ": referrer " + huge +
                                   " declares 999999999 bytes, more than the limit of 4194304; not "
                                   "fetched");
}

}  // namespace
}  // namespace portcullis::signing
