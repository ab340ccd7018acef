#include "proxy/assessment/facts_codec.h"

#include <gtest/gtest.h>

#include "policy/facts_json.h"

namespace portcullis::proxy::assessment {
namespace {

Assessment image_assessment() {
  Assessment a;
  a.facts.manifest_digest = "sha256:" + std::string(64, 'a');
  policy::ContentFacts content;
  content.files.push_back({"/usr/sbin/sshd", policy::FileType::Regular, 0755, 4096, ""});
  content.os_release["ID"] = "debian";
  content.packages.push_back({"dpkg", "openssh-server", "1:9.2p1-2+deb12u3", "openssh", "amd64"});
  content.findings.push_back({"sshServer", "/usr/sbin/sshd", "openssh-server 1:9.2p1-2+deb12u3"});
  a.facts.content = content;
  a.manifest.kind = ManifestKind::image;
  a.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
  a.manifest.config = {"application/vnd.oci.image.config.v1+json", "sha256:" + std::string(64, 'b'),
                       321};
  a.manifest.layers = {
      {"application/vnd.oci.image.layer.v1.tar+gzip", "sha256:" + std::string(64, 'c'), 9999}};
  return a;
}

TEST(FactsCodec, ImageRoundTrips) {
  const Assessment a = image_assessment();
  auto decoded = decode_assessment(encode_assessment(a, "portcullis-scanner/1|novulndb"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(policy::facts_to_json(decoded->facts), policy::facts_to_json(a.facts));
  EXPECT_EQ(decoded->manifest, a.manifest);
  EXPECT_TRUE(decoded->from_cache);
  EXPECT_TRUE(decoded->cached);
}

TEST(FactsCodec, IndexAndErrorRoundTrip) {
  Assessment a;
  a.facts.manifest_digest = "sha256:" + std::string(64, 'a');
  a.manifest.kind = ManifestKind::index;
  a.manifest.media_type = "application/vnd.oci.image.index.v1+json";
  a.manifest.children = {
      {{"application/vnd.oci.image.manifest.v1+json", "sha256:" + std::string(64, 'd'), 10},
       Platform{"linux", "arm64", "v8"}},
      {{"application/vnd.oci.image.manifest.v1+json", "sha256:" + std::string(64, 'e'), 11},
       std::nullopt}};
  auto decoded = decode_assessment(encode_assessment(a, "r"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->manifest, a.manifest);
  EXPECT_FALSE(decoded->facts.content);

  Assessment failed;
  failed.facts.manifest_digest = a.facts.manifest_digest;
  failed.facts.assessment_error = "layer sha256:abc exceeds the entry limit (more than 3 entries)";
  auto d2 = decode_assessment(encode_assessment(failed, "r"));
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->facts.assessment_error, failed.facts.assessment_error);
  EXPECT_EQ(d2->manifest.kind, ManifestKind::unknown);
}

TEST(FactsCodec, ValueIsReadableAsPlainFacts) {
  const Assessment a = image_assessment();
  auto facts = policy::parse_facts_json(encode_assessment(a, "r"));
  ASSERT_TRUE(facts) << facts.error();
  EXPECT_EQ(facts->content->findings.at(0).detector, "sshServer");
}

TEST(FactsCodec, DamagedValuesAreMisses) {
  EXPECT_FALSE(decode_assessment(""));
  EXPECT_FALSE(decode_assessment("{"));
  EXPECT_FALSE(decode_assessment("[]"));
  EXPECT_FALSE(decode_assessment(R"({"manifestDigest": "sha256:x"})"));  // no assessment member
  EXPECT_FALSE(decode_assessment(
      R"({"manifestDigest": "sha256:x", "assessment": {"manifest": {"kind": "image", "mediaType": 3}}})"));
  EXPECT_FALSE(decode_assessment(std::string(100, '[') + std::string(100, ']')));
}

}  // namespace
}  // namespace portcullis::proxy::assessment
