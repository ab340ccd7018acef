#include "policy/facts_json.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "policy/evaluator.h"
#include "policy/manifest_set.h"
#include "tests/policy/test_files.h"

namespace portcullis::policy {
namespace {

namespace fs = std::filesystem;
const fs::path kFacts = fs::path(PORTCULLIS_SOURCE_DIR) / "tests/fixtures/policies/facts";

using testing::read_file;

TEST(FactsJson, ReadsFixturesAndSortsFiles) {
  auto facts = parse_facts_json(read_file(kFacts / "debian-sshd.json"));
  ASSERT_TRUE(facts.ok()) << facts.error();
  ASSERT_TRUE(facts->content);
  const auto& files = facts->content->files;
  ASSERT_EQ(files.size(), 6u);
  EXPECT_EQ(files.front().path, "/bin/bash");
  EXPECT_EQ(files.front().mode, 04755u);
  EXPECT_EQ(files[1].type, FileType::Symlink);
  EXPECT_EQ(files[1].link_target, "/etc/alternatives/nc");
  EXPECT_EQ(files.back().path, "/usr/sbin/sshd");
  EXPECT_EQ(facts->content->os_release.at("ID"), "debian");
  EXPECT_EQ(facts->content->packages[0].source, "openssh");
  EXPECT_EQ(facts->content->findings[0].detector, "sshServer");
  EXPECT_EQ(facts->signatures->discovered, 1);
  EXPECT_TRUE(facts->signatures->verified.empty());
  EXPECT_EQ(facts->vulnerabilities->vulnerabilities[1].fixed_version, "");
  EXPECT_FALSE(facts->assessment_error);
}

TEST(FactsJson, RoundTrips) {
  for (const char* name : {"debian-sshd.json", "clean.json", "assessment-error.json"}) {
    SCOPED_TRACE(name);
    auto facts = parse_facts_json(read_file(kFacts / name));
    ASSERT_TRUE(facts.ok()) << facts.error();
    nlohmann::json once = facts_to_json(*facts);
    auto again = facts_from_json(once);
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(facts_to_json(*again), once);
  }
  ImageFacts none;
  nlohmann::json j = facts_to_json(none);
  EXPECT_FALSE(j.contains("content"));  // "not gathered" stays distinguishable from empty
  EXPECT_FALSE(facts_from_json(j)->content);
}

TEST(FactsJson, FixturesJudgedByAPciManifest) {
  ManifestSetBuilder b;
  b.add(R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: pci}
spec:
  content: {deny: [{name: no-ssh-server, sshServer: true}]}
  signatures: {required: true, keys: [{name: ci, publicKeyFile: ci.pub}]}
  vulnerabilities: {maxSeverity: low, deny: [CVE-2017-5753]}
)",
        "pci.yaml");
  b.resolve_keys([](const std::string&) { return KeyLoad{std::string(64, 'c'), ""}; });
  auto set = b.build();
  ASSERT_TRUE(set);
  auto judge = [&](const char* file) {
    auto facts = parse_facts_json(read_file(kFacts / file));
    EXPECT_TRUE(facts.ok()) << facts.error();
    EvaluationRequest req;
    req.image = *parse_image_reference("registry.corp.example/apps/api:1.0");
    req.facts = &*facts;
    return evaluate(*set, req);
  };
  Verdict clean = judge("clean.json");
  EXPECT_TRUE(clean.allowed);
  Verdict sshd = judge("debian-sshd.json");
  EXPECT_FALSE(sshd.allowed);
  std::vector<std::string> rules;
  for (const Reason& r : sshd.reasons) rules.push_back(r.rule);
  EXPECT_EQ(rules,
            (std::vector<std::string>{"content.deny/no-ssh-server", "signatures.required",
                                      "vulnerabilities.deny", "vulnerabilities.maxSeverity"}));
  Verdict failed = judge("assessment-error.json");
  ASSERT_EQ(failed.reasons.size(), 1u);
  EXPECT_EQ(failed.reasons[0].message,
            "assessment of registry.corp.example/apps/api:1.0 failed: layer sha256:2222 is not a "
            "valid tar: truncated header at byte 1048576 (pci needs its facts)");
}

TEST(FactsJson, RejectsMalformedFactsWithAPath) {
  auto err = [](std::string_view text) {
    auto r = parse_facts_json(text);
    return r.ok() ? std::string("ok") : r.error();
  };
  EXPECT_EQ(err("not json"), "invalid facts: not valid JSON");
  EXPECT_EQ(err("[]"), "invalid facts: facts: expected an object, got array");
  EXPECT_EQ(err(R"({"content": {"files": {}}})"),
            "invalid facts: /content/files: expected an array, got object");
  EXPECT_EQ(err(R"({"content": {"files": [{"path": "usr/bin"}]}})"),
            "invalid facts: /content/files/0/path: expected an absolute path");
  EXPECT_EQ(err(R"({"content": {"files": [{"path": "/x", "mode": "0999"}]}})"),
            "invalid facts: /content/files/0/mode: \"0999\" is not an octal mode");
  EXPECT_EQ(err(R"({"content": {"files": [{"path": "/x", "type": "q"}]}})"),
            "invalid facts: /content/files/0/type: unknown file type \"q\"");
  EXPECT_EQ(err(R"({"vulnerabilities": {"vulnerabilities": [{"severity": "high"}]}})"),
            "invalid facts: /vulnerabilities/vulnerabilities/0/id: is required");
  EXPECT_EQ(err(R"({"signatures": {"discovered": -1}})"),
            "invalid facts: /signatures/discovered: expected a non-negative integer");
  EXPECT_EQ(err(R"({"content": {"packages": [{"name": 7}]}})"),
            "invalid facts: /content/packages/0/name: expected a string, got number");
  EXPECT_EQ(err(std::string(100, '[') + std::string(100, ']')),
            "invalid facts: JSON nested deeper than 16 levels");
}

}  // namespace
}  // namespace portcullis::policy
