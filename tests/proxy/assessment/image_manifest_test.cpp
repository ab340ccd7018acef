#include "proxy/assessment/image_manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace portcullis::proxy::assessment {
namespace {

using json = nlohmann::json;

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

json image(std::string media_type = std::string(media_types::kOciManifest)) {
  json j = {
      {"schemaVersion", 2},
      {"config", {{"mediaType", media_types::kOciConfig}, {"digest", kDigestA}, {"size", 100}}},
      {"layers",
       {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
         {"digest", kDigestB},
         {"size", 200}}}}};
  if (!media_type.empty()) j["mediaType"] = media_type;
  return j;
}

std::string problem_of(const json& j, std::string_view content_type = "",
                       ManifestLimits limits = {}) {
  auto r = parse_manifest(j.dump(), content_type, limits);
  return r ? std::string("ok") : r.error().message;
}

TEST(ImageManifest, OciImage) {
  auto r = parse_manifest(image().dump(), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, ManifestKind::image);
  EXPECT_EQ(r->media_type, media_types::kOciManifest);
  EXPECT_EQ(r->config, (Descriptor{std::string(media_types::kOciConfig), kDigestA, 100}));
  ASSERT_EQ(r->layers.size(), 1u);
  EXPECT_EQ(r->layers[0].size, 200u);
}

TEST(ImageManifest, DockerV2Image) {
  auto r = parse_manifest(image(std::string(media_types::kDockerManifest)).dump(), "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ManifestKind::image);
  EXPECT_EQ(r->media_type, media_types::kDockerManifest);
}

TEST(ImageManifest, MediaTypeFromContentTypeThenShape) {
  auto r = parse_manifest(image("").dump(),
                          "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->media_type, media_types::kDockerManifest);
  auto shape = parse_manifest(image("").dump(), "application/json");
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->media_type, media_types::kOciManifest);
}

TEST(ImageManifest, IndexAndManifestList) {
  json index = {
      {"schemaVersion", 2},
      {"mediaType", media_types::kDockerList},
      {"manifests",
       {{{"mediaType", media_types::kDockerManifest},
         {"digest", kDigestA},
         {"size", 5},
         {"platform", {{"os", "linux"}, {"architecture", "arm"}, {"variant", "v7"}}}},
        {{"mediaType", media_types::kDockerManifest}, {"digest", kDigestB}, {"size", 6}}}}};
  auto r = parse_manifest(index.dump(), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, ManifestKind::index);
  ASSERT_EQ(r->children.size(), 2u);
  EXPECT_EQ(r->children[0].platform, (Platform{"linux", "arm", "v7"}));
  EXPECT_FALSE(r->children[1].platform);
  index.erase("mediaType");
  auto shape = parse_manifest(index.dump(), "");
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->media_type, media_types::kOciIndex);
}

TEST(ImageManifest, ProblemsAreSentences) {
  EXPECT_EQ(problem_of(json::array()), "the manifest is not a JSON object");
  EXPECT_EQ(parse_manifest("{", "").error().message, "the manifest is not valid JSON");
  EXPECT_EQ(problem_of(json{{"schemaVersion", 1}}),
            "Docker schema 1 manifests are not supported (deprecated and unsigned)");
  EXPECT_EQ(problem_of(json{{"schemaVersion", 3}}), "unsupported manifest schemaVersion 3");
  EXPECT_EQ(problem_of(json{{"mediaType", "x"}}), "the manifest has no schemaVersion");
  EXPECT_EQ(problem_of(json{{"schemaVersion", 2}, {"mediaType", "application/vnd.example+json"}}),
            "unsupported manifest media type \"application/vnd.example+json\"");
  EXPECT_EQ(problem_of(json{{"schemaVersion", 2}}), "the manifest has no media type");

  auto j = image();
  j.erase("config");
  EXPECT_EQ(problem_of(j), "the image manifest has no config");
  j = image();
  j["layers"][0]["digest"] = "sha256:short";
  EXPECT_EQ(problem_of(j), "layer 1 has a missing or malformed digest");
  j = image();
  j["layers"][0]["size"] = -1;
  EXPECT_EQ(problem_of(j), "layer 1 has a negative size");
  j = image();
  j["layers"][0].erase("mediaType");
  EXPECT_EQ(problem_of(j), "layer 1 has no mediaType");
  j = image();
  j["config"]["size"] = "100";
  EXPECT_EQ(problem_of(j), "the config has no integer size");
  j = image();
  j.erase("layers");
  EXPECT_EQ(problem_of(j), "the image manifest has no layers array");
}

TEST(ImageManifest, Limits) {
  auto j = image();
  for (int i = 0; i < 4; ++i) j["layers"].push_back(j["layers"][0]);
  EXPECT_EQ(problem_of(j, "", {.max_layers = 4}),
            "the image has 5 layers, more than the limit of 4");
  EXPECT_EQ(problem_of(j, "", {.max_layers = 5}), "ok");
  json deep = image();
  json* at = &deep;
  for (int i = 0; i < 40; ++i) at = &((*at)["annotations"] = json::object());
  EXPECT_EQ(problem_of(deep), "the manifest is nested deeper than 32 levels");
}

TEST(ImageManifest, NormalizeMediaType) {
  EXPECT_EQ(normalize_media_type(" Application/JSON ; charset=utf-8"), "application/json");
  EXPECT_EQ(normalize_media_type(""), "");
}

}  // namespace
}  // namespace portcullis::proxy::assessment
