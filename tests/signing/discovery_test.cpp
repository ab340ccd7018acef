// Discovery parsing: the .sig tag, signature manifests and referrers indexes,
// with every bound checked before anything is fetched.
#include <gtest/gtest.h>

#include "signing/discovery.h"
#include "tests/signing/test_util.h"

namespace portcullis::signing {
namespace {

using testing::kDigest;

constexpr char kPayloadDigest[] =
    "sha256:00a9ea0d337f604346e403434c361fa7d2396a1dda7ca1f387d4db0eafde9157";

// A signature manifest layer as cosign's spec writes it (ggcr key order).
std::string layer(
    const std::string& digest, const std::string& size, const std::string& sig,
    const std::string& media_type = "application/vnd.dev.cosign.simplesigning.v1+json") {
  return R"({"mediaType":")" + media_type + R"(","size":)" + size + R"(,"digest":")" + digest +
         R"(","annotations":{"dev.cosignproject.cosign/signature":")" + sig + R"("}})";
}

std::string manifest(const std::string& layers, const std::string& extra = "") {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)" + extra +
         R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":233,"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"layers":[)" +
         layers + "]}";
}

TEST(SignatureTag, FollowsTheCosignScheme) {
  EXPECT_EQ(*signature_tag_for(kDigest),
            "sha256-2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e.sig");
  EXPECT_EQ(signature_tag_for("sha512:abcd").error().message,
            "\"sha512:abcd\" is not a sha256 manifest digest");
  EXPECT_FALSE(
      signature_tag_for("sha256:2D5416B7218C869D4247260B713B48F926F5430B21E76A0D455121299F6E021E"));
  EXPECT_FALSE(signature_tag_for(std::string(kDigest) + "/../x"));
}

TEST(SignatureManifest, ParsesTheRecordedContainersImageManifest) {
  auto m =
      parse_signature_manifest(testing::slurp(testing::data_path("fresh/expected-manifest.json")));
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->signatures.size(), 1u);
  EXPECT_EQ(m->discovered, 1u);
  EXPECT_TRUE(m->rejected.empty());
  const auto& s = m->signatures[0];
  EXPECT_EQ(s.media_type, "application/vnd.dev.cosign.simplesigning.v1+json");
  EXPECT_EQ(s.payload_digest, kPayloadDigest);
  EXPECT_EQ(s.payload_size, 232u);
  EXPECT_EQ(s.signature_base64,
            testing::trim_newline(testing::slurp(testing::data_path("fresh/signature.b64"))));
  EXPECT_FALSE(m->subject_digest);
}

TEST(SignatureManifest, KeepsAllAnnotationsAndIgnoresOtherLayerTypes) {
  auto m = parse_signature_manifest(
      manifest(layer(kPayloadDigest, "232", "c2ln") + "," +
               layer(kPayloadDigest, "10", "", "application/vnd.oci.image.layer.v1.tar")));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->discovered, 1u);
  ASSERT_EQ(m->signatures.size(), 1u);
  EXPECT_EQ(m->signatures[0].annotations.at("dev.cosignproject.cosign/signature"), "c2ln");
}

TEST(SignatureManifest, HugePayloadDescriptorIsRejectedBeforeFetching) {
  auto m = parse_signature_manifest(
      manifest(layer(kPayloadDigest, "10737418240", "c2ln") + "," +
               layer("sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                     "200", "c2ln")));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->discovered, 2u);
  ASSERT_EQ(m->signatures.size(), 1u);  // the sane one is still examined
  ASSERT_EQ(m->rejected.size(), 1u);
  EXPECT_EQ(m->rejected[0], std::string("layer ") + kPayloadDigest +
                                " declares a payload of 10737418240 bytes, more than the limit of "
                                "65536; not fetched");
}

TEST(SignatureManifest, PerLayerProblemsHaveReasons) {
  const std::string no_sig =
      R"({"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":5,"digest":")" +
      std::string(kPayloadDigest) + R"("})";
  const std::string bad_digest = layer("md5:abc", "5", "c2ln");
  const std::string negative = layer(kPayloadDigest, "-1", "c2ln");
  const std::string long_sig = layer(kPayloadDigest, "5", std::string(9000, 'A'));
  auto m = parse_signature_manifest(
      manifest(no_sig + "," + bad_digest + "," + negative + "," + long_sig));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->signatures.empty());
  ASSERT_EQ(m->rejected.size(), 4u);
  EXPECT_EQ(m->rejected[0], std::string("layer ") + kPayloadDigest +
                                " has no dev.cosignproject.cosign/signature annotation");
  EXPECT_EQ(m->rejected[1], "layer md5:abc has digest \"md5:abc\", not a sha256 digest");
  EXPECT_EQ(m->rejected[2], std::string("layer ") + kPayloadDigest +
                                ".size must be a non-negative integer, got -1");
  EXPECT_EQ(m->rejected[3], std::string("layer ") + kPayloadDigest +
                                " has a 9000-character signature annotation, more than the limit "
                                "of 8192");
}

TEST(SignatureManifest, BoundsTheNumberOfSignatures) {
  std::string layers;
  for (int i = 0; i < 40; ++i) layers += (i ? "," : "") + layer(kPayloadDigest, "100", "c2ln");
  DiscoveryLimits limits;
  limits.max_signatures = 32;
  auto m = parse_signature_manifest(manifest(layers), limits);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->discovered, 40u);
  EXPECT_EQ(m->signatures.size(), 32u);
  ASSERT_EQ(m->rejected.size(), 1u);
  EXPECT_EQ(m->rejected[0], "8 signature layers beyond the limit of 32 were not examined");
}

TEST(SignatureManifest, WholeManifestErrors) {
  EXPECT_EQ(parse_signature_manifest("nope").error().message.rfind(
                "signature manifest is not valid JSON: ", 0),
            0u);
  EXPECT_EQ(
      parse_signature_manifest(
          R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})")
          .error()
          .message,
      "signature manifest has mediaType application/vnd.oci.image.index.v1+json, expected "
      "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(parse_signature_manifest(R"({"schemaVersion":1,"layers":[]})").error().message,
            "signature manifest must have schemaVersion 2");
  EXPECT_EQ(parse_signature_manifest(R"({"schemaVersion":2})").error().message,
            "signature manifest has no layers array");
  DiscoveryLimits small;
  small.max_manifest_bytes = 100;
  EXPECT_EQ(parse_signature_manifest(manifest(layer(kPayloadDigest, "1", "c2ln")), small)
                .error()
                .message.rfind("signature manifest is ", 0),
            0u);
}

TEST(SignatureManifest, ReportsSubjectAndArtifactType) {
  auto m = parse_signature_manifest(manifest(
      layer(kPayloadDigest, "232", "c2ln"),
      R"("artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json","subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
          std::string(kDigest) + R"(","size":500},)"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->artifact_type, "application/vnd.dev.cosign.artifact.sig.v1+json");
  ASSERT_TRUE(m->subject_digest);
  EXPECT_EQ(*m->subject_digest, kDigest);
}

std::string referrer(const std::string& digest, const std::string& artifact_type,
                     const std::string& size = "612") {
  return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest +
         R"(","size":)" + size + R"(,"artifactType":")" + artifact_type + R"("})";
}

TEST(Referrers, PicksCosignSignatureArtifacts) {
  const std::string sig1 =
      "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  const std::string sig2 =
      "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  const std::string sbom =
      "sha256:3333333333333333333333333333333333333333333333333333333333333333";
  const std::string huge =
      "sha256:4444444444444444444444444444444444444444444444444444444444444444";
  auto sel = parse_referrers_index(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
      referrer(sig1, "application/vnd.dev.cosign.artifact.sig.v1+json") + "," +
      referrer(sbom, "application/spdx+json") + "," +
      referrer(sig2, "application/vnd.dev.cosign.artifact.sig.v1+json") + "," +
      referrer(huge, "application/vnd.dev.cosign.artifact.sig.v1+json", "999999999") + "]}");
  ASSERT_TRUE(sel) << sel.error().message;
  ASSERT_EQ(sel->signatures.size(), 2u);
  EXPECT_EQ(sel->signatures[0].digest, sig1);
  EXPECT_EQ(sel->signatures[0].size, 612u);
  EXPECT_EQ(sel->signatures[1].digest, sig2);
  ASSERT_EQ(sel->rejected.size(), 1u);
  EXPECT_EQ(sel->rejected[0], "referrer " + huge +
                                  " declares 999999999 bytes, more than the limit of 4194304; not "
                                  "fetched");
}

TEST(Referrers, EmptyAndMalformedIndexes) {
  auto empty = parse_referrers_index(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->signatures.empty());
  EXPECT_EQ(parse_referrers_index(R"({"manifests":{}})").error().message,
            "referrers index manifests must be an array");
  EXPECT_EQ(parse_referrers_index(R"({"mediaType":"text/html"})").error().message,
            "referrers index has mediaType text/html, expected "
            "application/vnd.oci.image.index.v1+json");

  std::string many;
  for (int i = 0; i < 70; ++i) {
    many += (i ? "," : "") +
            referrer("sha256:1111111111111111111111111111111111111111111111111111111111111111",
                     "application/vnd.dev.cosign.artifact.sig.v1+json");
  }
  auto bounded = parse_referrers_index(R"({"manifests":[)" + many + "]}");
  ASSERT_TRUE(bounded);
  EXPECT_EQ(bounded->signatures.size(), 64u);
  ASSERT_EQ(bounded->rejected.size(), 1u);
  EXPECT_EQ(bounded->rejected[0], "6 signature referrers beyond the limit of 64 were not examined");
}

}  // namespace
}  // namespace portcullis::signing
