// Signing and the attachment layout: byte-identical to what containers/image
// (skopeo 1.9.3) wrote in the recorded cases under tests/signing/data.
#include <gtest/gtest.h>

#include "signing/assess.h"
#include "signing/digest.h"
#include "signing/oci_model.h"
#include "signing/payload.h"
#include "signing/sign.h"
#include "tests/signing/test_util.h"

namespace portcullis::signing {
namespace {

using testing::data_path;
using testing::key_path;
using testing::load_priv;
using testing::load_pub;
using testing::slurp;
using testing::trim_newline;

struct Recorded {
  std::string subject, payload, signature;
  std::string expected_manifest, expected_config;
  std::string existing_manifest, existing_config;  // empty for the fresh case
};

Recorded recorded(const std::string& name, bool existing) {
  Recorded r;
  r.subject = trim_newline(slurp(data_path(name + "/subject-digest.txt")));
  r.payload = slurp(data_path(name + "/payload.json"));
  r.signature = trim_newline(slurp(data_path(name + "/signature.b64")));
  r.expected_manifest = slurp(data_path(name + "/expected-manifest.json"));
  r.expected_config = slurp(data_path(name + "/expected-config.json"));
  if (existing) {
    r.existing_manifest = slurp(data_path(name + "/existing-manifest.json"));
    r.existing_config = slurp(data_path(name + "/existing-config.json"));
  }
  return r;
}

TEST(Attach, FreshSignatureManifestMatchesContainersImage) {
  auto r = recorded("fresh", false);
  auto a = attach_signature(r.subject, r.payload, r.signature);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->config, r.expected_config);
  EXPECT_EQ(a->manifest, r.expected_manifest);
  EXPECT_EQ(a->config_digest, sha256_digest(r.expected_config));
  EXPECT_EQ(a->manifest_digest, sha256_digest(r.expected_manifest));
  EXPECT_EQ(a->payload, r.payload);
  EXPECT_EQ(a->payload_digest,
            "sha256:00a9ea0d337f604346e403434c361fa7d2396a1dda7ca1f387d4db0eafde9157");
  EXPECT_EQ(a->tag, "sha256-2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e.sig");
  EXPECT_FALSE(a->already_present);
  // Spelled out, so a reader sees the layout without opening the data files.
  EXPECT_EQ(
      a->config,
      R"({"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:00a9ea0d337f604346e403434c361fa7d2396a1dda7ca1f387d4db0eafde9157"]}})");
}

// cosign-style: ggcr field order, zero "created", history, extra annotations.
// all-fields: every optional descriptor/config field, to pin Go's order.
class AttachAppend : public ::testing::TestWithParam<const char*> {};

TEST_P(AttachAppend, MatchesContainersImage) {
  auto r = recorded(GetParam(), true);
  auto a = attach_signature(r.subject, r.payload, r.signature, r.existing_manifest,
                            std::string_view(r.existing_config));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->config, r.expected_config);
  EXPECT_EQ(a->manifest, r.expected_manifest);
}

INSTANTIATE_TEST_SUITE_P(Recorded, AttachAppend,
                         ::testing::Values("append-cosign-style", "append-all-fields"),
                         [](const auto& info) {
                           std::string out;
                           for (char ch : std::string(info.param)) out += ch == '-' ? '_' : ch;
                           return out;
                         });

TEST(Attach, SameSignatureTwiceIsNotDuplicated) {
  auto r = recorded("fresh", false);
  auto again = attach_signature(r.subject, r.payload, r.signature, r.expected_manifest,
                                std::string_view(r.expected_config));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->already_present);
  EXPECT_EQ(again->manifest, r.expected_manifest);
  EXPECT_EQ(again->config, r.expected_config);
}

TEST(Attach, RebuildsAContainersImageConfigWhenNotGiven) {
  auto r = recorded("fresh", false);
  auto with_config = attach_signature(r.subject, "{}", "c2ln", r.expected_manifest,
                                      std::string_view(r.expected_config));
  auto without = attach_signature(r.subject, "{}", "c2ln", r.expected_manifest);
  ASSERT_TRUE(with_config && without);
  EXPECT_EQ(without->config, with_config->config);
  EXPECT_EQ(without->manifest, with_config->manifest);
}

TEST(Attach, RefusesWhatItCannotAppendTo) {
  auto r = recorded("fresh", false);
  EXPECT_EQ(attach_signature("sha256:nothex", r.payload, r.signature).error().message,
            "\"sha256:nothex\" is not a sha256 manifest digest");
  EXPECT_EQ(
      attach_signature(
          r.subject, r.payload, r.signature,
          R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","config":{}})")
          .error()
          .message,
      "existing signature manifest has mediaType application/vnd.oci.image.index.v1+json, "
      "expected application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(
      attach_signature(r.subject, r.payload, r.signature, R"({"schemaVersion":2})").error().message,
      "existing signature manifest: manifest has no config descriptor");
  EXPECT_EQ(attach_signature(r.subject, r.payload, r.signature, r.expected_manifest,
                             std::string_view(R"({"rootfs":{"diff_ids":"x"}})"))
                .error()
                .message,
            "existing signature config: \"diff_ids\" must be an array");
}

TEST(BuildArtifacts, SignsAndLaysOutAVerifiableSignature) {
  const std::string subject =
      "sha256:2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e";
  auto a = build_signature_artifacts(subject, "registry.example/team/app",
                                     load_priv("ci-ecdsa-p256.key"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->payload, build_payload("registry.example/team/app", subject));

  // Independent check of the signature with the CLI.
  testsupport::TempDir dir("signing-build");
  EXPECT_EQ(
      testing::openssl_verify(dir, key_path("ci-ecdsa-p256.pub"), a->payload, a->signature_base64),
      "Verified OK");

  // A second signer appends; both verify through the discovery path.
  auto b = build_signature_artifacts(subject, "registry.example/team/app", load_priv("ed25519.key"),
                                     a->manifest, std::string_view(a->config));
  ASSERT_TRUE(b) << b.error().message;
  SignatureSource src;
  src.source = tag_source(b->tag);
  auto parsed = parse_signature_manifest(b->manifest);
  ASSERT_TRUE(parsed) << parsed.error().message;
  src.manifest = *parsed;
  src.payloads[a->payload_digest] = a->payload;  // same payload bytes for both
  std::vector<PublicKey> keys{load_pub("ci-ecdsa-p256.pub"), load_pub("ed25519.pub")};
  std::vector<SignatureSource> sources{src};
  auto facts = assess_signatures(subject, sources, keys);
  EXPECT_EQ(facts.discovered, 2);
  EXPECT_EQ(facts.verified.size(), 2u);
  EXPECT_TRUE(facts.rejected.empty());
  EXPECT_NE(b->config.find(R"("diff_ids":[")" + a->payload_digest + R"(",")" + a->payload_digest),
            std::string::npos)
      << b->config;
}

TEST(GoTime, RoundTripsLikeGo) {
  EXPECT_EQ(*oci::go_time_roundtrip("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(*oci::go_time_roundtrip("2021-01-02T03:04:05.123000Z"), "2021-01-02T03:04:05.123Z");
  EXPECT_EQ(*oci::go_time_roundtrip("2021-01-02T03:04:05.10+02:00"), "2021-01-02T03:04:05.1+02:00");
  EXPECT_EQ(*oci::go_time_roundtrip("2021-01-02T03:04:05.000+00:00"), "2021-01-02T03:04:05Z");
  EXPECT_FALSE(oci::go_time_roundtrip("2021-01-02 03:04:05Z"));
  EXPECT_FALSE(oci::go_time_roundtrip("yesterday"));
}

}  // namespace
}  // namespace portcullis::signing
