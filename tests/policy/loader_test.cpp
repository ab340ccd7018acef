#include "policy/loader.h"

#include <gtest/gtest.h>

#include "policy/manifest_json.h"

namespace portcullis::policy {
namespace {

// The example from the Trust Manifest issue, verbatim.
constexpr std::string_view kIssueExample = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: pci-production}
spec:
  scope: {clusters: ["prod-*"], namespaces: ["payments", "pci-*"]}
  mode: enforce                  # enforce | audit (allow, but record and warn)
  registries:
    allow: ["registry.corp.example", "harbor.corp.example:8443"]
    deny:  ["docker.io", "quay.io", "ghcr.io", "gcr.io"]
  images:
    allow:
      - repository: "registry.corp.example/apps/**"
      - repository: "registry.corp.example/library/tomcat"
        versions: ">=8.0 <8.1"   # semantic-ish comparison of dotted tags; also tag globs
    deny:
      - repository: "**/abc"
  content:
    deny:
      - name: no-ssh-server
        sshServer: true          # built-in detector (sshd, dropbear, openssh-server package)
      - name: no-netcat
        paths: ["/bin/nc", "/usr/bin/nc*"]
      - name: no-setuid-shells
        setuid: ["/bin/*sh"]
  signatures:
    required: true
    keys: [{name: ci, publicKeyFile: keys/ci.pub}]
  vulnerabilities:
    maxSeverity: low             # deny medium, high and critical...
    allow:                       # ...except mitigated CVEs, with expiry
      - {id: CVE-2023-0464, reason: "not reachable", expires: 2027-06-30}
    deny: ["CVE-2017-5753", "CVE-2017-5715", "CVE-2017-5754"]   # Spectre/Meltdown: always deny
    onlyFixed: false
)";

TEST(Loader, LoadsTheIssueExample) {
  LoadResult r = load_manifests(kIssueExample, "config/manifests/pci.yaml");
  ASSERT_TRUE(r.ok()) << r.diagnostics.front().to_string();
  ASSERT_EQ(r.manifests.size(), 1u);
  const Manifest& m = r.manifests[0];
  EXPECT_EQ(m.name, "pci-production");
  EXPECT_EQ(m.mode, Mode::Enforce);
  ASSERT_EQ(m.scope.clusters.size(), 1u);
  EXPECT_EQ(m.scope.namespaces.size(), 2u);
  ASSERT_TRUE(m.registries);
  ASSERT_TRUE(m.registries->allow);
  EXPECT_EQ(m.registries->allow->size(), 2u);
  EXPECT_EQ(m.registries->deny.size(), 4u);
  ASSERT_TRUE(m.images && m.images->allow);
  EXPECT_EQ((*m.images->allow)[1].versions->text(), ">=8.0 <8.1");
  EXPECT_EQ(m.images->deny[0].repository.pattern(), "**/abc");
  ASSERT_EQ(m.content_deny.size(), 3u);
  EXPECT_TRUE(m.content_deny[0].ssh_server);
  EXPECT_EQ(m.content_deny[1].paths.size(), 2u);
  EXPECT_EQ(m.content_deny[2].setuid.size(), 1u);
  ASSERT_TRUE(m.signatures);
  EXPECT_TRUE(m.signatures->required);
  EXPECT_EQ(m.signatures->keys[0].public_key_file, "keys/ci.pub");
  EXPECT_EQ(m.signatures->keys[0].public_key_path, "config/manifests/keys/ci.pub");
  ASSERT_TRUE(m.vulnerabilities);
  EXPECT_EQ(m.vulnerabilities->max_severity, Severity::Low);
  EXPECT_EQ(m.vulnerabilities->allow[0].id, "CVE-2023-0464");
  EXPECT_EQ(*m.vulnerabilities->allow[0].expires,
            std::chrono::sys_days{std::chrono::year{2027} / 6 / 30});
  EXPECT_EQ(m.vulnerabilities->deny.size(), 3u);
  EXPECT_FALSE(m.vulnerabilities->only_fixed);
  EXPECT_TRUE(m.needs_facts());
  EXPECT_EQ(m.where.line, 3);
}

TEST(Loader, DefaultsAndMultipleDocuments) {
  LoadResult r = load_manifests(R"(---
apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata:
  name: a
  labels: {team: security}
spec: {}
---
# only a comment
---
apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: b}
spec:
  mode: audit
  pinDigests: true
  failurePolicy: ignore
)",
                                "m.yaml");
  ASSERT_TRUE(r.ok()) << r.diagnostics.front().to_string();
  ASSERT_EQ(r.manifests.size(), 2u);
  EXPECT_EQ(r.manifests[0].mode, Mode::Enforce);
  EXPECT_EQ(r.manifests[0].failure_policy, FailurePolicy::Fail);
  EXPECT_FALSE(r.manifests[0].pin_digests);
  EXPECT_EQ(r.manifests[0].labels.at("team"), "security");
  EXPECT_FALSE(r.manifests[0].needs_facts());
  EXPECT_EQ(r.manifests[1].mode, Mode::Audit);
  EXPECT_TRUE(r.manifests[1].pin_digests);
  EXPECT_EQ(r.manifests[1].failure_policy, FailurePolicy::Ignore);
  EXPECT_EQ(r.manifests[1].where.line, 13);
}

TEST(Loader, KeyPathsResolveAgainstTheManifestDirectory) {
  auto key_path = [](std::string_view file, std::string_view key) {
    std::string text = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: k}
spec:
  signatures: {required: true, keys: [{name: ci, publicKeyFile: ")" +
                       std::string(key) + "\"}]}\n";
    LoadResult r = load_manifests(text, file);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.diagnostics[0].to_string());
    return r.ok() ? r.manifests[0].signatures->keys[0].public_key_path : "";
  };
  EXPECT_EQ(key_path("manifests/pci.yaml", "keys/ci.pub"), "manifests/keys/ci.pub");
  EXPECT_EQ(key_path("pci.yaml", "keys/ci.pub"), "keys/ci.pub");
  EXPECT_EQ(key_path("/etc/portcullis/m/pci.yaml", "../keys/ci.pub"),
            "/etc/portcullis/keys/ci.pub");
  EXPECT_EQ(key_path("/etc/portcullis/m/pci.yaml", "/srv/ci.pub"), "/srv/ci.pub");
}

TEST(Loader, CollectsEveryErrorAndDropsBrokenDocuments) {
  LoadResult r = load_manifests(R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: ok}
spec: {}
---
apiVersion: portcullis.dev/v2
kind: TrustManifest
metadata: {name: Bad_Name}
spec:
  mode: block
  registries: {allow: ["quay.io/x"]}
)",
                                "f.yaml");
  EXPECT_EQ(r.manifests.size(), 1u);
  ASSERT_EQ(r.diagnostics.size(), 4u);
  EXPECT_EQ(r.diagnostics[0].to_string(),
            "f.yaml:6:13: apiVersion: expected portcullis.dev/v1, got \"portcullis.dev/v2\"");
  EXPECT_EQ(r.diagnostics[1].to_string(),
            "f.yaml:8:18: metadata.name: \"Bad_Name\" is not a valid name (lower case letters, "
            "digits, '-' and '.')");
  EXPECT_EQ(r.diagnostics[2].to_string(),
            "f.yaml:10:9: spec.mode: expected enforce or audit, got \"block\"");
  EXPECT_EQ(r.diagnostics[3].to_string(),
            "f.yaml:11:24: spec.registries.allow[0]: invalid pattern \"quay.io/x\": a registry is "
            "a host[:port] without a path");
}

TEST(Loader, SyntaxErrorsHaveAPosition) {
  LoadResult r = load_manifests("apiVersion: [unclosed\n", "s.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].file, "s.yaml");
  EXPECT_GE(r.diagnostics[0].line, 1);
  EXPECT_NE(r.diagnostics[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(Loader, HostileInputIsBounded) {
  EXPECT_FALSE(load_manifests(std::string(100000, '['), "deep.yaml").ok());
  EXPECT_EQ(load_manifests(std::string(kMaxManifestFileBytes + 1, ' '), "big.yaml")
                .diagnostics.at(0)
                .message,
            "file is larger than 4 MiB");
  EXPECT_FALSE(load_manifests("- a\n- b\n", "list.yaml").ok());
  // Aliases repeating a big list: bounded by a per-file item budget.
  std::string aliased = R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata: {name: aliases}
spec:
  scope:
    clusters: &big [)";
  for (int i = 0; i < 5000; ++i) aliased += (i ? ",a" : "a") + std::to_string(i);
  aliased += "]\n  content:\n    deny:\n";
  for (int i = 0; i < 30; ++i)
    aliased += "      - {name: r" + std::to_string(i) + ", paths: *big}\n";
  LoadResult r = load_manifests(aliased, "aliases.yaml");
  ASSERT_FALSE(r.ok());
  bool budget = false;
  for (const Diagnostic& d : r.diagnostics)
    budget = budget || d.message.find("more than 100000 list items") != std::string::npos;
  EXPECT_TRUE(budget);
  EXPECT_FALSE(load_manifests("just a string", "scalar.yaml").ok());
}

TEST(Loader, CanonicalJson) {
  LoadResult r = load_manifests(kIssueExample, "pci.yaml");
  ASSERT_TRUE(r.ok());
  nlohmann::json j = to_json(r.manifests[0]);
  EXPECT_EQ(j["metadata"]["name"], "pci-production");
  EXPECT_EQ(j["spec"]["vulnerabilities"]["allow"][0]["expires"], "2027-06-30");
  EXPECT_EQ(j["spec"]["images"]["allow"][1]["versions"], ">=8.0 <8.1");
  EXPECT_EQ(j["spec"]["registries"]["deny"][0], "docker.io");
  EXPECT_EQ(j["source"], "pci.yaml:3");
}

}  // namespace
}  // namespace portcullis::policy
