// The pruning review parser: strict JSON (it accepts exactly what nlohmann
// accepts, on fixtures and thousands of mutations of them), kept values equal
// to a full parse, dropped values never built.
#include <gtest/gtest.h>

#include <random>

#include "proxy/admission/review_json.h"
#include "tests/proxy/admission/admission_test_support.h"

namespace portcullis::testing {
namespace {

using proxy::admission::parse_review_json;

std::optional<Json> parse(std::string_view text, size_t depth = 1000) {
  std::string error;
  return parse_review_json(text, depth, error);
}

std::string error_of(std::string_view text, size_t depth = 64) {
  std::string error;
  return parse_review_json(text, depth, error) ? "<ok>" : error;
}

const std::vector<std::string> kFixtures = {"pod-create-v1.json",
                                            "pod-create-v1beta1.json",
                                            "pod-ephemeralcontainers-v1.json",
                                            "deployment-update-v1.json",
                                            "cronjob-create-v1.json",
                                            "ephemeralcontainers-legacy-v1beta1.json",
                                            "pod-delete-v1.json",
                                            "statefulset-create-v1.json"};

TEST(ReviewJson, KeepsTheEnvelopeAndThePodSpecPathOnly) {
  const auto full = fixture("cronjob-create-v1.json");
  const auto pruned = parse(fixture_text("cronjob-create-v1.json"));
  ASSERT_TRUE(pruned);
  EXPECT_EQ((*pruned)["apiVersion"], full["apiVersion"]);
  EXPECT_EQ((*pruned)["request"]["kind"], full["request"]["kind"]);
  EXPECT_EQ((*pruned)["request"]["resource"], full["request"]["resource"]);
  EXPECT_EQ((*pruned)["request"]["uid"], full["request"]["uid"]);
  EXPECT_EQ((*pruned)["request"]["dryRun"], false);
  EXPECT_FALSE((*pruned)["request"].contains("userInfo"));
  EXPECT_FALSE((*pruned)["request"].contains("options"));
  const auto& object = (*pruned)["request"]["object"];
  EXPECT_FALSE(object.contains("metadata"));
  EXPECT_FALSE(object.contains("status"));
  EXPECT_EQ(object["spec"].size(), 1u);  // jobTemplate only (schedule, ... dropped)
  EXPECT_EQ(object["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            Json::parse(R"({"initContainers":[{"name":"fetch","image":"curlimages/curl:8.5.0"}],
                            "containers":[{"name":"report","image":"registry.corp.example/apps/report:4.2.0"}]})"));
}

TEST(ReviewJson, KeptScalarsEqualAFullParse) {
  // Under request.kind everything is kept: compare value by value with nlohmann.
  const std::string values =
      R"({"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac\ud83d\ude00 é€😀","i":-42,"u":18446744073709551615,)"
      R"("z":0,"m":-0,"f":1.5e-3,"g":-2E+2,"t":true,"n":null,"a":[1,[2,{}],[]],"o":{}})";
  const auto pruned = parse(R"({"request":{"kind":)" + values + "}}");
  ASSERT_TRUE(pruned);
  const auto expected = Json::parse(values);
  const auto& got = (*pruned)["request"]["kind"];
  for (const auto& [key, value] : expected.items()) EXPECT_EQ(got[key], value) << key;
  EXPECT_EQ(got["u"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(got["i"].get<int64_t>(), -42);
}

TEST(ReviewJson, ErrorsSayWhere) {
  EXPECT_EQ(error_of(""), "not valid JSON (at byte 0)");
  EXPECT_EQ(error_of(R"({"a":tru})"), "not valid JSON (at byte 5)");
  EXPECT_EQ(error_of(R"({"a":1} x)"), "not valid JSON (at byte 8)");
  EXPECT_EQ(error_of(std::string(65, '[') + std::string(65, ']')), "nested deeper than 64 levels");
  EXPECT_EQ(error_of(std::string(64, '[') + std::string(64, ']')), "<ok>");
  // Depth counts in dropped subtrees too.
  EXPECT_EQ(error_of(R"({"x":)" + std::string(70, '[') + std::string(70, ']') + "}"),
            "nested deeper than 64 levels");
}

TEST(ReviewJson, AcceptsExactlyWhatAStrictParserAccepts) {
  const std::vector<std::string> cases = {"{}",
                                          "[]",
                                          "1",
                                          "-1",
                                          "01",
                                          "1.",
                                          ".5",
                                          "1e",
                                          "1e+",
                                          "-",
                                          "--1",
                                          "\"\\x\"",
                                          "\"\\u12\"",
                                          "\"\\ud800\"",
                                          "\"\\ud800\\u0041\"",
                                          "\"\\udc00\"",
                                          "\"a\tb\"",
                                          "\"\xc3\xa9\"",
                                          "\"\xc3\"",
                                          "\"\xe0\x80\x80\"",
                                          "\"\xed\xa0\x80\"",
                                          "\"\xf4\x90\x80\x80\"",
                                          "\"\xff\"",
                                          "[1,]",
                                          "{\"a\":1,}",
                                          "{\"a\"}",
                                          "{,}",
                                          "[,1]",
                                          "nul",
                                          "truex",
                                          "[true false]",
                                          "{\"a\":1 \"b\":2}",
                                          " \n\t{ } \r",
                                          "{\"a\":[{\"b\":null}]}",
                                          "1 2"};
  for (const auto& text : cases) EXPECT_EQ(parse(text).has_value(), Json::accept(text)) << text;
}

TEST(ReviewJson, MutatedFixturesNeverCrashAndAgreeWithAStrictParser) {
  std::mt19937 rng(20261123);
  const std::string alphabet = "{}[]\":,\\ -0123456789.eEtfnu\xc3\xa9\x80\xff";
  size_t checked = 0;
  for (const auto& name : kFixtures) {
    const auto original = fixture_text(name);
    for (int i = 0; i < 400; ++i) {
      std::string text = original;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % text.size();
        switch (rng() % 4) {
          case 0:
            text[at] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            text.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
          case 2:
            text.erase(at, 1 + rng() % 8);
            break;
          case 3:
            text.resize(at);
            break;
        }
        if (text.empty()) text = "{";
      }
      ASSERT_EQ(parse(text).has_value(), Json::accept(text)) << name << " mutation " << i << ":\n"
                                                             << text;
      ++checked;
    }
  }
  EXPECT_EQ(checked, kFixtures.size() * 400);
}

}  // namespace
}  // namespace portcullis::testing
