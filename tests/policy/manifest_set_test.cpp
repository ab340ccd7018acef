#include "policy/manifest_set.h"

#include <gtest/gtest.h>

namespace portcullis::policy {
namespace {

constexpr std::string_view kA = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: a}
spec:
  registries: {deny: [docker.io]}
  signatures: {required: true, keys: [{name: ci, publicKeyFile: keys/ci.pub}]}
)";

constexpr std::string_view kAReformatted = R"(# same rules, other spelling
apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata:
  name: a
spec:
  signatures:
    required: true
    keys:
      - name: ci
        publicKeyFile: keys/ci.pub
  registries:
    deny: ["index.docker.io"]   # an alias of docker.io
)";

constexpr std::string_view kB = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: b}
spec:
  scope: {clusters: ["prod-*"], namespaces: [payments]}
  registries: {deny: [quay.io]}
)";

std::shared_ptr<const ManifestSet> build(
    std::vector<std::pair<std::string_view, std::string>> files, std::string fingerprint = "f1") {
  ManifestSetBuilder b;
  for (const auto& [text, name] : files) b.add(text, name);
  b.resolve_keys([&](const std::string&) { return KeyLoad{fingerprint, ""}; });
  EXPECT_TRUE(b.ok());
  return b.build();
}

TEST(ManifestSet, RevisionIgnoresSpellingButNotRules) {
  auto one = build({{kA, "m/a.yaml"}, {kB, "m/b.yaml"}});
  auto reordered = build({{kB, "other/b.yaml"}, {kAReformatted, "other/a.yaml"}});
  ASSERT_TRUE(one && reordered);
  EXPECT_EQ(one->revision().size(), 16u);
  EXPECT_EQ(one->revision(), reordered->revision());

  auto new_key = build({{kA, "m/a.yaml"}, {kB, "m/b.yaml"}}, "f2");
  EXPECT_NE(one->revision(), new_key->revision());
  auto fewer = build({{kA, "m/a.yaml"}});
  EXPECT_NE(one->revision(), fewer->revision());
}

TEST(ManifestSet, SortedFindableAndScoped) {
  auto set = build({{kB, "b.yaml"}, {kA, "a.yaml"}});
  ASSERT_EQ(set->manifests().size(), 2u);
  EXPECT_EQ(set->manifests()[0].name, "a");
  EXPECT_EQ(set->find("b")->where.file, "b.yaml");
  EXPECT_EQ(set->find("c"), nullptr);
  EXPECT_EQ(set->applicable("prod-eu", std::nullopt).size(), 1u);  // b needs a namespace
  EXPECT_EQ(set->applicable("prod-eu", "payments").size(), 2u);
  EXPECT_EQ(set->applicable("dev", "payments").size(), 1u);
}

TEST(ManifestSetBuilder, KeysAreResolvedOncePerFile) {
  ManifestSetBuilder b;
  b.add(kA, "m/a.yaml");
  std::string a2(kAReformatted);
  a2.replace(a2.find("name: a"), 7, "name: a2");
  b.add(a2, "m/a2.yaml");
  EXPECT_EQ(b.key_files(), std::vector<std::string>{"m/keys/ci.pub"});
  int calls = 0;
  b.resolve_keys([&](const std::string& path) {
    ++calls;
    return KeyLoad{"abc", ""};
  });
  EXPECT_EQ(calls, 1);
  auto set = b.build();
  ASSERT_TRUE(set);
  EXPECT_EQ(set->find("a2")->signatures->keys[0].fingerprint, "abc");
}

TEST(ManifestSetBuilder, KeyErrorsAndDuplicatesAcrossFilesFailTheBuild) {
  ManifestSetBuilder b;
  b.add(kA, "x/a.yaml");
  b.add(kA, "y/a.yaml");
  b.resolve_keys([](const std::string& path) { return KeyLoad{"", "not a PEM public key"}; });
  std::vector<Diagnostic> d = b.diagnostics();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].to_string(),
            "x/a.yaml:6:65: spec.signatures: key ci: cannot load x/keys/ci.pub: not a PEM public "
            "key");
  EXPECT_EQ(d[1].to_string(),
            "y/a.yaml:3:18: metadata.name: duplicate manifest name \"a\" (first defined at "
            "x/a.yaml:3:18)");
  EXPECT_EQ(d[2].to_string(),
            "y/a.yaml:6:65: spec.signatures: key ci: cannot load y/keys/ci.pub: not a PEM public "
            "key");
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.build(), nullptr);
}

TEST(ManifestSetBuilder, LoadErrorsFailTheBuild) {
  ManifestSetBuilder b;
  b.add(kA, "a.yaml");
  b.add("apiVersion: nope\n", "bad.yaml");
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.build(), nullptr);
}

}  // namespace
}  // namespace portcullis::policy
