// Simple-signing payloads, and the encodings they and the layout rely on.
#include <gtest/gtest.h>

#include "signing/base64.h"
#include "signing/go_json.h"
#include "signing/payload.h"
#include "tests/signing/test_util.h"

namespace portcullis::signing {
namespace {

using testing::kDigest;

TEST(Payload, BuildsCosignBytesExactly) {
  // Byte for byte what cosign (Go json.Marshal of payload.SimpleContainerImage)
  // produced for the recorded signature in tests/signing/data.
  EXPECT_EQ(build_payload("127.0.0.1:5055/a", kDigest),
            testing::slurp(testing::data_path("fresh/payload.json")));
  EXPECT_EQ(
      build_payload("registry.example/team/app", kDigest),
      std::string(R"({"critical":{"identity":{"docker-reference":"registry.example/team/app"},)") +
          R"("image":{"docker-manifest-digest":")" + kDigest +
          R"("},"type":"cosign container image signature"},"optional":null})");
}

TEST(Payload, EscapesLikeGo) {
  EXPECT_EQ(build_payload("a<b>&\"\\", kDigest).substr(0, 72),
            R"({"critical":{"identity":{"docker-reference":"a\u003cb\u003e\u0026\"\\"},)");
}

TEST(Payload, ParsesWhatItBuilds) {
  auto p = parse_payload(build_payload("registry.example/app", kDigest));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->type, "cosign container image signature");
  EXPECT_EQ(p->docker_reference, "registry.example/app");
  EXPECT_EQ(p->manifest_digest, kDigest);
  EXPECT_TRUE(p->optional.is_null());
}

TEST(Payload, AcceptsOptionalObjectsAndAnyKeyOrder) {
  auto p = parse_payload(
      R"({"optional":{"creator":"ci","n":1},"critical":{"type":"t","image":{"docker-manifest-digest":"d"},"identity":{"docker-reference":"r"}}})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->optional["creator"], "ci");
}

struct BadPayload {
  const char* json;
  const char* error;
};

class PayloadRejects : public ::testing::TestWithParam<BadPayload> {};

TEST_P(PayloadRejects, WithReason) {
  auto p = parse_payload(GetParam().json);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Strict, PayloadRejects,
    ::testing::Values(
        BadPayload{"[]", "payload must be a JSON object"},
        BadPayload{R"({"optional":null})", "payload.critical is missing"},
        BadPayload{R"({"critical":"x"})", "payload.critical must be an object, got string"},
        BadPayload{R"({"critical":{},"extra":1})", "payload has unknown field \"extra\""},
        BadPayload{
            R"({"critical":{"type":"t","image":{"docker-manifest-digest":"d"},"identity":{"docker-reference":"r"},"new":1}})",
            "critical has unknown field \"new\""},
        BadPayload{R"({"critical":{"type":7,"image":{},"identity":{}}})",
                   "critical.type must be a string, got number"},
        BadPayload{
            R"({"critical":{"type":"t","image":{"Docker-manifest-digest":"d"},"identity":{"docker-reference":"r"}}})",
            "critical.image has unknown field \"Docker-manifest-digest\""},
        BadPayload{
            R"({"critical":{"type":"t","image":{"docker-manifest-digest":"d"},"identity":{}}})",
            "critical.identity.docker-reference is missing"},
        BadPayload{
            R"({"critical":{"type":"t","image":{"docker-manifest-digest":"d"},"identity":{"docker-reference":"r"}},"optional":[1]})",
            "payload.optional must be an object or null, got array"},
        BadPayload{R"({"critical":{"type":"a","type":"b"}})",
                   "payload is not acceptable JSON: duplicate key \"type\""}));

TEST(Payload, RejectsInvalidJsonAndOversize) {
  auto broken = parse_payload("{\"critical\":");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message.rfind("payload is not valid JSON: ", 0), 0u);

  auto bad_utf8 = parse_payload("{\"critical\":\"\xff\"}");
  ASSERT_FALSE(bad_utf8);
  EXPECT_EQ(bad_utf8.error().message.rfind("payload is not valid JSON: ", 0), 0u);

  std::string big = build_payload(std::string(70000, 'r'), kDigest);
  auto oversized = parse_payload(big);
  ASSERT_FALSE(oversized);
  EXPECT_EQ(oversized.error().message,
            "payload is " + std::to_string(big.size()) + " bytes, more than the limit of 65536");

  std::string deep(100, '[');
  auto too_deep = parse_payload(deep);
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().message,
            "payload is not acceptable JSON: nesting deeper than 16 levels");
}

TEST(Base64, RoundTripsAndMatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(*base64_decode(base64_encode(all)), all);
  EXPECT_EQ(*base64_decode("Zm9v\r\nYmFy"), "foobar");  // Go skips CR/LF too
}

TEST(Base64, RejectsMalformedInputWithOffsets) {
  EXPECT_EQ(base64_decode("Zm9v!mFy").error().message, "invalid character '!' at offset 4");
  EXPECT_EQ(base64_decode("Zm9vYg").error().message,
            "length 6 is not a multiple of 4 (truncated or unpadded)");
  EXPECT_EQ(base64_decode("Zg==Zg==").error().message, "data after padding at offset 4");
  EXPECT_EQ(base64_decode("Z===").error().message, "invalid padding at offset 1");
  EXPECT_EQ(base64_decode("Zm9v Zg==").error().message, "invalid character ' ' at offset 4");
  EXPECT_EQ(base64_decode("Zm-_").error().message, "invalid character '-' at offset 2");
}

TEST(GoJson, EscapesStringsLikeEncodingJson) {
  EXPECT_EQ(gojson::quote("plain"), "\"plain\"");
  EXPECT_EQ(gojson::quote("<&>"), R"("\u003c\u0026\u003e")");
  EXPECT_EQ(gojson::quote("a\nb\tc\rd\x01"
                          "e\x1f"),
            R"("a\nb\tc\rd\u0001e\u001f")");
  EXPECT_EQ(gojson::quote("\b\f"), R"("\u0008\u000c")");  // Go 1.19 (Debian's skopeo)
  EXPECT_EQ(gojson::quote("q\"b\\"), R"("q\"b\\")");
  EXPECT_EQ(gojson::quote("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
  EXPECT_EQ(gojson::quote("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
  EXPECT_EQ(gojson::quote("bad\xff"
                          "x\xc0\xaf"),
            R"("bad\ufffdx\ufffd\ufffd")");
}

}  // namespace
}  // namespace portcullis::signing
