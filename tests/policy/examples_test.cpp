// Every example Trust Manifest in config/manifests/ loads with no diagnostic,
// and the set behaves as its comments say.
#include <gtest/gtest.h>

#include <filesystem>

#include "policy/evaluator.h"
#include "policy/verdict_format.h"
#include "tests/policy/test_files.h"

namespace portcullis::policy {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(PORTCULLIS_SOURCE_DIR) / "config/manifests";

std::shared_ptr<const ManifestSet> load_examples(std::vector<Diagnostic>* diagnostics) {
  ManifestSetBuilder b;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() != ".yaml") continue;
    b.add(testing::read_file(e.path()), e.path().string());
  }
  b.resolve_keys([](const std::string& path) {
    if (testing::read_file(path).find("BEGIN PUBLIC KEY") == std::string::npos)
      return KeyLoad{"", "not a PEM public key"};
    return KeyLoad{std::string(64, 'c'), ""};
  });
  *diagnostics = b.diagnostics();
  return b.build();
}

TEST(Examples, EveryExampleLoadsCleanly) {
  std::vector<Diagnostic> diagnostics;
  auto set = load_examples(&diagnostics);
  EXPECT_EQ(to_text(diagnostics), "");
  ASSERT_TRUE(set);
  std::vector<std::string> names;
  for (const Manifest& m : set->manifests()) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"deny-repository-abc", "development", "pci-production",
                                             "spectre-meltdown", "tomcat-8.0-only"}));
  for (const Manifest& m : set->manifests()) {
    SCOPED_TRACE(m.name);
    if (!m.signatures) continue;
    for (const SigningKey& k : m.signatures->keys) {
      EXPECT_EQ(k.public_key_path, (kDir / "keys/ci.pub").lexically_normal().string());
      EXPECT_FALSE(k.fingerprint.empty());
    }
  }
}

Verdict check(const ManifestSet& set, std::string_view image, std::string cluster,
              std::optional<std::string> ns = std::nullopt) {
  EvaluationRequest req;
  req.image = *parse_image_reference(image);
  req.cluster = std::move(cluster);
  req.namespace_name = std::move(ns);
  req.stage = req.namespace_name ? Stage::Deploy : Stage::Pull;
  req.rules = RuleSet::ReferenceOnly;
  return evaluate(set, req);
}

TEST(Examples, BehaveAsDocumented) {
  std::vector<Diagnostic> diagnostics;
  auto set = load_examples(&diagnostics);
  ASSERT_TRUE(set);
  // Production refuses Docker Hub by name.
  Verdict hub = check(*set, "nginx", "prod-eu-1");
  EXPECT_FALSE(hub.allowed);
  EXPECT_EQ(hub.reasons.at(0).message,
            "registry docker.io is denied by pci-production (registries.deny)");
  // Development only warns about it.
  Verdict dev = check(*set, "nginx", "dev-local");
  EXPECT_TRUE(dev.allowed);
  EXPECT_TRUE(dev.has_warnings());
  // abc is denied everywhere.
  EXPECT_FALSE(check(*set, "quay.io/someone/abc:1", "dev-local").allowed);
  // Tomcat 8.0 only in billing-legacy, at deploy time.
  EXPECT_TRUE(
      check(*set, "registry.corp.example/library/tomcat:8.0.53", "prod-eu-1", "billing-legacy")
          .allowed);
  Verdict tomcat9 =
      check(*set, "registry.corp.example/library/tomcat:9.0", "prod-eu-1", "billing-legacy");
  EXPECT_FALSE(tomcat9.allowed);
  EXPECT_EQ(tomcat9.reasons.at(0).manifest, "tomcat-8.0-only");
  EXPECT_TRUE(check(*set, "registry.corp.example/library/tomcat:9.0", "prod-eu-1").allowed);
  // Production needs every fact: with none, the full evaluation denies.
  EvaluationRequest full;
  full.image = *parse_image_reference("registry.corp.example/apps/api:1.0");
  full.cluster = "prod-eu-1";
  Verdict v = evaluate(*set, full);
  EXPECT_FALSE(v.allowed);
  EXPECT_TRUE(v.needs.content && v.needs.signatures && v.needs.vulnerabilities);
  EXPECT_TRUE(v.pin_digests);
}

}  // namespace
}  // namespace portcullis::policy
