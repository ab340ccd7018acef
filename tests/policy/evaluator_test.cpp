// Table-driven evaluator tests: every rule kind, scopes and modes, against
// facts built in code (the JSON fixtures are covered in facts_json_test).
#include "policy/evaluator.h"

#include <gtest/gtest.h>

#include "policy/verdict_format.h"

namespace portcullis::policy {
namespace {

using namespace std::chrono;

const std::string kCiFingerprint(64, 'c');
const std::string kOpsFingerprint(64, 'e');
const std::string kDigest = "sha256:" + std::string(64, 'd');

std::shared_ptr<const ManifestSet> make_set(std::string_view yaml) {
  ManifestSetBuilder b;
  b.add(yaml, "test.yaml");
  b.resolve_keys([](const std::string& path) {
    if (path == "ci.pub") return KeyLoad{kCiFingerprint, ""};
    if (path == "ops.pub") return KeyLoad{kOpsFingerprint, ""};
    return KeyLoad{"", ""};  // never loaded: verifies nothing
  });
  for (const Diagnostic& d : b.diagnostics()) ADD_FAILURE() << d.to_string();
  return b.build();
}

std::string manifest(std::string_view name, std::string_view spec) {
  return "apiVersion: portcullis.dev/v1\nkind: TrustManifest\nmetadata: {name: " +
         std::string(name) + "}\nspec:\n" + std::string(spec) + "\n---\n";
}

// The facts of a Debian image with an SSH server, netcat and a setuid shell.
ImageFacts debian_facts() {
  ImageFacts f;
  f.manifest_digest = kDigest;
  ContentFacts c;
  c.files = {
      {"/bin", FileType::Directory, 0755, 0, ""},
      {"/bin/bash", FileType::Regular, 04755, 1234, ""},
      {"/bin/nc", FileType::Symlink, 0777, 0, "/usr/bin/nc.openbsd"},
      {"/bin/rbash", FileType::Hardlink, 04755, 0, "/bin/bash"},
      {"/bin/sh", FileType::Symlink, 04777, 0, "dash"},
      {"/usr/bin/nc.openbsd", FileType::Regular, 0755, 100, ""},
      {"/usr/bin/passwd", FileType::Regular, 04755, 100, ""},
      {"/usr/sbin/sshd", FileType::Regular, 0755, 900, ""},
  };
  c.packages = {{"dpkg", "openssh-server", "1:9.2p1-2+deb12u3", "openssh", "amd64"}};
  c.findings = {{"sshServer", "/usr/sbin/sshd", "openssh-server 1:9.2p1-2+deb12u3"}};
  f.content = c;
  SignatureFacts s;
  s.discovered = 1;
  s.verified = {{kCiFingerprint, "registry.corp.example/apps/api", "tag:sha256-dd.sig"}};
  f.signatures = s;
  VulnerabilityFacts v;
  v.source = "builtin-osv";
  v.db_revision = "r1";
  v.vulnerabilities = {
      {"CVE-2023-0464", "HIGH", "openssl", "3.0.11-1~deb12u1", "3.0.13-1~deb12u1"},
      {"CVE-2017-5753", "medium", "linux-libc-dev", "6.1.66-1", ""},
      {"CVE-2024-0001", "low", "zlib", "1.2.13", ""},
  };
  f.vulnerabilities = v;
  return f;
}

ImageFacts clean_facts() {
  ImageFacts f;
  f.manifest_digest = kDigest;
  f.content = ContentFacts{};
  f.content->files = {{"/bin/sh", FileType::Symlink, 0777, 0, "dash"}};
  f.signatures = SignatureFacts{1, {{kCiFingerprint, "", "tag:x"}}, {}};
  f.vulnerabilities = VulnerabilityFacts{"builtin-osv", "r1", {}};
  return f;
}

struct Request {
  std::string image = "registry.corp.example/apps/api:1.0";
  std::string cluster = "prod-eu";
  std::optional<std::string> ns;
  const ImageFacts* facts = nullptr;
  RuleSet rules = RuleSet::All;
  bool untagged_on_repository = false;
  Stage stage = Stage::Pull;
  sys_days today = year{2025} / 1 / 15;
};

// "deny|warn manifest rule: message" per reason.
std::vector<std::string> reasons(const Verdict& v) {
  std::vector<std::string> out;
  for (const Reason& r : v.reasons)
    out.push_back(std::string(r.enforced ? "deny " : "warn ") + r.manifest + " " + r.rule + ": " +
                  r.message);
  return out;
}

Verdict run(const ManifestSet& set, const Request& r) {
  auto ref = parse_image_reference(r.image);
  EXPECT_TRUE(ref.ok()) << ref.error();
  EvaluationRequest req;
  req.image = *ref;
  req.cluster = r.cluster;
  req.namespace_name = r.ns;
  req.stage = r.ns ? Stage::Deploy : r.stage;
  req.facts = r.facts;
  req.rules = r.rules;
  req.now = r.today;
  req.untagged_judged_on_repository = r.untagged_on_repository;
  Verdict plain = evaluate(set, req);
  if (r.facts) {
    // A FactsIndex changes how files and CVEs are found, never the verdict.
    FactsIndex index = FactsIndex::build(*r.facts);
    req.facts_index = &index;
    Verdict indexed = evaluate(set, req);
    EXPECT_EQ(indexed.allowed, plain.allowed);
    EXPECT_EQ(reasons(indexed), reasons(plain));
  }
  return plain;
}

const ImageFacts kDebian = debian_facts();
const ImageFacts kClean = clean_facts();

struct Case {
  std::string name;
  std::string yaml;
  Request request;
  bool allowed;
  std::vector<std::string> reasons;
};

class EvaluatorTest : public ::testing::TestWithParam<Case> {};

TEST_P(EvaluatorTest, Verdict) {
  const Case& c = GetParam();
  auto set = make_set(c.yaml);
  ASSERT_TRUE(set);
  Verdict v = run(*set, c.request);
  EXPECT_EQ(v.allowed, c.allowed) << to_text(v);
  EXPECT_EQ(reasons(v), c.reasons);
}

Request image(std::string ref, const ImageFacts* facts = nullptr) {
  Request r;
  r.image = std::move(ref);
  r.facts = facts;
  return r;
}

const std::string kRegistries = manifest("pci-production", R"(  registries:
    allow: ["registry.corp.example", "harbor.corp.example:8443"]
    deny: ["docker.io", "quay.io"])");

INSTANTIATE_TEST_SUITE_P(
    Registries, EvaluatorTest,
    ::testing::Values(
        Case{"deny_listed",
             kRegistries,
             image("nginx"),
             false,
             {"deny pci-production registries.deny: registry docker.io is denied by "
              "pci-production (registries.deny)"}},
        Case{"alias_is_the_same_registry",
             kRegistries,
             image("index.docker.io/library/nginx"),
             false,
             {"deny pci-production registries.deny: registry docker.io is denied by "
              "pci-production (registries.deny)"}},
        Case{"not_in_allow_list",
             kRegistries,
             image("ghcr.io/org/app:1"),
             false,
             {"deny pci-production registries.allow: registry ghcr.io is not in the approved list "
              "of pci-production (registries.allow): registry.corp.example, "
              "harbor.corp.example:8443"}},
        Case{"allowed", kRegistries, image("harbor.corp.example:8443/apps/api:2"), true, {}},
        Case{"port_matters",
             kRegistries,
             image("harbor.corp.example/apps/api:2"),
             false,
             {"deny pci-production registries.allow: registry harbor.corp.example is not in the "
              "approved list of pci-production (registries.allow): registry.corp.example, "
              "harbor.corp.example:8443"}},
        Case{
            "deny_beats_allow",
            manifest("m", "  registries: {allow: ['*.corp.example'], deny: ['evil.corp.example']}"),
            image("evil.corp.example/x"),
            false,
            {"deny m registries.deny: registry evil.corp.example is denied by m "
             "(registries.deny)"}},
        Case{"glob_deny_names_the_pattern",
             manifest("m", "  registries: {deny: ['*.io']}"),
             image("quay.io/x"),
             false,
             {"deny m registries.deny: registry quay.io is denied by m (registries.deny by pattern "
              "*.io)"}},
        Case{"deny_only_allows_the_rest",
             manifest("m", "  registries: {deny: ['quay.io']}"),
             image("ghcr.io/x"),
             true,
             {}},
        Case{"empty_allow_list_allows_nothing",
             manifest("m", "  registries: {allow: []}"),
             image("ghcr.io/x"),
             false,
             {"deny m registries.allow: registry ghcr.io is not in the approved list of m "
              "(registries.allow): the list is empty, so nothing is allowed"}}),
    [](const auto& info) { return info.param.name; });

const std::string kImages = manifest("tomcat-8.0-only", R"(  images:
    allow:
      - repository: "registry.corp.example/apps/**"
      - repository: "registry.corp.example/library/tomcat"
        versions: ">=8.0 <8.1"
    deny:
      - repository: "**/abc"
      - repository: "registry.corp.example/apps/legacy"
        versions: "<2")");

INSTANTIATE_TEST_SUITE_P(
    Images, EvaluatorTest,
    ::testing::Values(
        Case{"allowed_by_glob", kImages, image("registry.corp.example/apps/team/api:1"), true, {}},
        Case{"version_in_range",
             kImages,
             image("registry.corp.example/library/tomcat:8.0.53-jdk11"),
             true,
             {}},
        Case{"version_out_of_range",
             kImages,
             image("registry.corp.example/library/tomcat:9.0"),
             false,
             {"deny tomcat-8.0-only images.allow: image "
              "registry.corp.example/library/tomcat:9.0 is not allowed by tomcat-8.0-only "
              "(images.allow): tag 9.0 does not satisfy \">=8.0 <8.1\" "
              "(registry.corp.example/library/tomcat)"}},
        Case{"tag_not_a_version",
             kImages,
             image("registry.corp.example/library/tomcat"),
             false,
             {"deny tomcat-8.0-only images.allow: image "
              "registry.corp.example/library/tomcat:latest is not allowed by tomcat-8.0-only "
              "(images.allow): tag latest is not a version, so it cannot satisfy \">=8.0 <8.1\" "
              "(registry.corp.example/library/tomcat)"}},
        Case{"untagged_cannot_prove_its_version",
             kImages,
             image("registry.corp.example/library/tomcat@" + kDigest),
             false,
             {"deny tomcat-8.0-only images.allow: image registry.corp.example/library/tomcat@" +
              kDigest +
              " is not allowed by tomcat-8.0-only (images.allow): the image has no tag, so its "
              "version cannot be checked against \">=8.0 <8.1\" "
              "(registry.corp.example/library/tomcat)"}},
        Case{"untagged_judged_on_repository",
             kImages,
             [] {
               Request r = image("registry.corp.example/library/tomcat@" + kDigest);
               r.untagged_on_repository = true;
               return r;
             }(),
             true,
             {}},
        Case{"not_in_allow_list",
             kImages,
             image("registry.corp.example/library/nginx:1"),
             false,
             {"deny tomcat-8.0-only images.allow: repository "
              "registry.corp.example/library/nginx is not in the allowed images of "
              "tomcat-8.0-only (images.allow): registry.corp.example/apps/**, "
              "registry.corp.example/library/tomcat"}},
        Case{"deny_beats_allow",
             kImages,
             image("registry.corp.example/apps/abc:1"),
             false,
             {"deny tomcat-8.0-only images.deny: repository registry.corp.example/apps/abc is "
              "denied by tomcat-8.0-only (images.deny: **/abc)"}},
        Case{"deny_with_versions_matches",
             kImages,
             image("registry.corp.example/apps/legacy:1.9"),
             false,
             {"deny tomcat-8.0-only images.deny: image registry.corp.example/apps/legacy:1.9 is "
              "denied by tomcat-8.0-only (images.deny: registry.corp.example/apps/legacy "
              "versions \"<2\")"}},
        Case{"deny_with_versions_passes_newer",
             kImages,
             image("registry.corp.example/apps/legacy:2.1"),
             true,
             {}},
        Case{"short_names_are_normalised",
             manifest("deny-repository-abc", "  images: {deny: [{repository: abc}]}"),
             image("docker.io/library/abc:1"),
             false,
             {"deny deny-repository-abc images.deny: repository docker.io/library/abc is denied "
              "by deny-repository-abc (images.deny: docker.io/library/abc)"}}),
    [](const auto& info) { return info.param.name; });

const std::string kContent = manifest("pci", R"(  content:
    deny:
      - name: no-ssh-server
        sshServer: true
      - name: no-netcat
        paths: ["/bin/nc", "/usr/bin/nc*"]
      - name: no-setuid-shells
        setuid: ["/bin/*sh"])");

INSTANTIATE_TEST_SUITE_P(
    Content, EvaluatorTest,
    ::testing::Values(
        Case{"every_rule_names_its_file",
             kContent,
             image("registry.corp.example/a:1", &kDebian),
             false,
             {"deny pci content.deny/no-ssh-server: no-ssh-server: /usr/sbin/sshd "
              "(openssh-server 1:9.2p1-2+deb12u3), denied by pci (content.deny)",
              "deny pci content.deny/no-netcat: no-netcat: /bin/nc (symlink to "
              "/usr/bin/nc.openbsd), denied by pci (content.deny)",
              "deny pci content.deny/no-netcat: no-netcat: /usr/bin/nc.openbsd, denied by pci "
              "(content.deny)",
              // /bin/sh is a setuid-looking symlink: links are not setuid files
              "deny pci content.deny/no-setuid-shells: no-setuid-shells: /bin/bash is setuid "
              "(mode 4755), denied by pci (content.deny)",
              "deny pci content.deny/no-setuid-shells: no-setuid-shells: /bin/rbash is setuid "
              "(mode 4755) (hardlink to /bin/bash), denied by pci (content.deny)"}},
        Case{"clean_image", kContent, image("registry.corp.example/a:1", &kClean), true, {}},
        Case{"missing_content_denies",
             kContent,
             image("registry.corp.example/a:1"),
             false,
             {"deny pci content: content not inspected: pci has content rules (content.deny)"}},
        Case{"reference_only_skips_content",
             kContent,
             [] {
               Request r = image("registry.corp.example/a:1");
               r.rules = RuleSet::ReferenceOnly;
               return r;
             }(),
             true,
             {}},
        Case{"double_star_paths",
             manifest("m", "  content: {deny: [{name: no-sshd, paths: ['**/sshd']}]}"),
             image("registry.corp.example/a:1", &kDebian),
             false,
             {"deny m content.deny/no-sshd: no-sshd: /usr/sbin/sshd, denied by m (content.deny)"}},
        Case{"ssh_detector_off",
             manifest("m", "  content: {deny: [{name: ssh, sshServer: false}]}"),
             image("registry.corp.example/a:1", &kDebian),
             true,
             {}}),
    [](const auto& info) { return info.param.name; });

const std::string kSigned = manifest("signed", R"(  signatures:
    required: true
    keys: [{name: ci, publicKeyFile: ci.pub}])");

ImageFacts with_signatures(SignatureFacts s) {
  ImageFacts f = clean_facts();
  f.signatures = std::move(s);
  return f;
}
const ImageFacts kUnsigned = with_signatures({0, {}, {}});
const ImageFacts kWrongKey =
    with_signatures({2, {{std::string(64, 'f'), "", "tag:x"}}, {"payload digest mismatch"}});
const ImageFacts kNoSignatureFacts = [] {
  ImageFacts f = clean_facts();
  f.signatures.reset();
  return f;
}();
const ImageFacts kBothKeys = with_signatures(
    {2, {{kCiFingerprint, "", "tag:x"}, {std::string(kOpsFingerprint), "", "referrer:y"}}, {}});

INSTANTIATE_TEST_SUITE_P(
    Signatures, EvaluatorTest,
    ::testing::Values(
        Case{"verified_by_listed_key",
             kSigned,
             image("registry.corp.example/a:1", &kClean),
             true,
             {}},
        Case{"fingerprint_case_does_not_matter",
             kSigned,
             [] {
               static const ImageFacts upper =
                   with_signatures({1, {{std::string(64, 'C'), "", "tag:x"}}, {}});
               return image("registry.corp.example/a:1", &upper);
             }(),
             true,
             {}},
        Case{"unsigned",
             kSigned,
             image("registry.corp.example/a:1", &kUnsigned),
             false,
             {"deny signed signatures.required: image registry.corp.example/a:1 has no valid "
              "signature by a trusted key of signed (signatures.required, keys: ci); 0 signatures "
              "found"}},
        Case{"untrusted_key_and_rejections",
             kSigned,
             image("registry.corp.example/a:1", &kWrongKey),
             false,
             {"deny signed signatures.required: image registry.corp.example/a:1 has no valid "
              "signature by a trusted key of signed (signatures.required, keys: ci); 2 signatures "
              "found, rejected: payload digest mismatch"}},
        Case{"signature_facts_missing",
             kSigned,
             image("registry.corp.example/a:1", &kNoSignatureFacts),
             false,
             {"deny signed signatures: signatures not checked: signed requires a signature "
              "(signatures.required)"}},
        Case{"key_not_loaded",
             manifest("m",
                      "  signatures: {required: true, keys: [{name: lost, publicKeyFile: "
                      "lost.pub}]}"),
             image("registry.corp.example/a:1", &kClean),
             false,
             {"deny m signatures.required: image registry.corp.example/a:1 has no valid signature "
              "by a trusted key of m (signatures.required, keys: lost); 1 signature found (key "
              "lost from lost.pub is not loaded)"}},
        Case{"require_all_missing_one",
             manifest("m",
                      "  signatures: {required: true, requireAll: true, keys: [{name: ci, "
                      "publicKeyFile: ci.pub}, {name: ops, publicKeyFile: ops.pub}]}"),
             image("registry.corp.example/a:1", &kClean),
             false,
             {"deny m signatures.requireAll: image registry.corp.example/a:1 is not signed by key "
              "ops of m (signatures.requireAll); 1 signature found"}},
        Case{"require_all_satisfied",
             manifest("m",
                      "  signatures: {required: true, requireAll: true, keys: [{name: ci, "
                      "publicKeyFile: ci.pub}, {name: ops, publicKeyFile: ops.pub}]}"),
             image("registry.corp.example/a:1", &kBothKeys),
             true,
             {}},
        Case{"key_scoped_to_other_repositories",
             manifest("m",
                      "  signatures: {required: true, keys: [{name: ci, publicKeyFile: "
                      "ci.pub, repositories: ['registry.corp.example/apps/**']}]}"),
             image("registry.corp.example/tools/x:1", &kClean),
             false,
             {"deny m signatures.keys: no key of m (signatures.keys) covers repository "
              "registry.corp.example/tools/x, so no signature of it can be trusted"}},
        Case{"scoped_key_picks_its_repositories",
             manifest("m",
                      "  signatures: {required: true, keys: [{name: ops, publicKeyFile: "
                      "ops.pub, repositories: ['**/tools/**']}, {name: ci, publicKeyFile: "
                      "ci.pub, repositories: ['**/apps/**']}]}"),
             image("registry.corp.example/apps/x:1", &kClean),
             true,
             {}},
        Case{"not_required_means_not_checked",
             manifest("m",
                      "  signatures: {required: false, keys: [{name: ci, publicKeyFile: "
                      "ci.pub}]}"),
             image("registry.corp.example/a:1", &kUnsigned),
             true,
             {}}),
    [](const auto& info) { return info.param.name; });

const std::string kVulns = manifest("strict", R"(  vulnerabilities:
    maxSeverity: low
    allow:
      - {id: CVE-2023-0464, reason: "not reachable", expires: 2025-06-30}
    deny: ["CVE-2017-5753"])");

Request at(sys_days day, const ImageFacts* facts) {
  Request r = image("registry.corp.example/a:1", facts);
  r.today = day;
  return r;
}

ImageFacts with_vulns(std::vector<Vulnerability> v) {
  ImageFacts f = clean_facts();
  f.vulnerabilities->vulnerabilities = std::move(v);
  return f;
}
const ImageFacts kUnknownSeverity = with_vulns({{"CVE-2099-1", "", "libx", "1.0", ""}});
const ImageFacts kManyHighs = [] {
  std::vector<Vulnerability> v;
  for (int i = 0; i < 30; ++i)
    v.push_back({"CVE-2024-" + std::to_string(1000 + i), "high", "p", "1", "2"});
  return with_vulns(v);
}();

INSTANTIATE_TEST_SUITE_P(
    Vulnerabilities, EvaluatorTest,
    ::testing::Values(
        Case{"exception_holds_and_deny_list_always_denies",
             kVulns,
             at(year{2025} / 6 / 30, &kDebian),
             false,
             {"deny strict vulnerabilities.deny: CVE-2017-5753 in linux-libc-dev 6.1.66-1 is on "
              "the deny list of strict (vulnerabilities.deny)"}},
        Case{"expired_exception_no_longer_exempts",
             kVulns,
             at(year{2025} / 7 / 1, &kDebian),
             false,
             {"deny strict vulnerabilities.deny: CVE-2017-5753 in linux-libc-dev 6.1.66-1 is on "
              "the deny list of strict (vulnerabilities.deny)",
              "deny strict vulnerabilities.maxSeverity: CVE-2023-0464 (high) in openssl "
              "3.0.11-1~deb12u1 exceeds the maximum severity low of strict "
              "(vulnerabilities.maxSeverity); fixed in 3.0.13-1~deb12u1; its exception (not "
              "reachable) expired on 2025-06-30"}},
        Case{"severity_limit_lists_each_offender",
             manifest("m", "  vulnerabilities: {maxSeverity: negligible}"),
             image("registry.corp.example/a:1", &kDebian),
             false,
             {"deny m vulnerabilities.maxSeverity: CVE-2023-0464 (high) in openssl "
              "3.0.11-1~deb12u1 exceeds the maximum severity negligible of m "
              "(vulnerabilities.maxSeverity); fixed in 3.0.13-1~deb12u1",
              "deny m vulnerabilities.maxSeverity: CVE-2017-5753 (medium) in linux-libc-dev "
              "6.1.66-1 exceeds the maximum severity negligible of m "
              "(vulnerabilities.maxSeverity); no fix available",
              "deny m vulnerabilities.maxSeverity: CVE-2024-0001 (low) in zlib 1.2.13 exceeds "
              "the maximum severity negligible of m (vulnerabilities.maxSeverity); no fix "
              "available"}},
        Case{"only_fixed_ignores_unfixed",
             manifest("m", "  vulnerabilities: {maxSeverity: negligible, onlyFixed: true}"),
             image("registry.corp.example/a:1", &kDebian),
             false,
             {"deny m vulnerabilities.maxSeverity: CVE-2023-0464 (high) in openssl "
              "3.0.11-1~deb12u1 exceeds the maximum severity negligible of m "
              "(vulnerabilities.maxSeverity); fixed in 3.0.13-1~deb12u1"}},
        Case{"within_limit",
             manifest("m", "  vulnerabilities: {maxSeverity: high}"),
             image("registry.corp.example/a:1", &kDebian),
             true,
             {}},
        Case{"unknown_severity_counts_as_critical",
             manifest("m", "  vulnerabilities: {maxSeverity: high}"),
             image("registry.corp.example/a:1", &kUnknownSeverity),
             false,
             {"deny m vulnerabilities.maxSeverity: CVE-2099-1 (unknown severity, treated as "
              "critical) in libx 1.0 exceeds the maximum severity high of m "
              "(vulnerabilities.maxSeverity); no fix available"}},
        Case{"unknown_severity_tolerated_by_critical",
             manifest("m", "  vulnerabilities: {maxSeverity: critical}"),
             image("registry.corp.example/a:1", &kUnknownSeverity),
             true,
             {}},
        Case{"not_scanned_denies",
             kVulns,
             image("registry.corp.example/a:1"),
             false,
             {"deny strict vulnerabilities: vulnerabilities not scanned: strict has vulnerability "
              "rules (vulnerabilities)"}},
        Case{"reasons_are_capped", manifest("m", "  vulnerabilities: {maxSeverity: medium}"),
             image("registry.corp.example/a:1", &kManyHighs), false,
             [] {
               std::vector<std::string> r;
               for (int i = 0; i < 25; ++i)
                 r.push_back("deny m vulnerabilities.maxSeverity: CVE-2024-" +
                             std::to_string(1000 + i) +
                             " (high) in p 1 exceeds the maximum severity medium of m "
                             "(vulnerabilities.maxSeverity); fixed in 2");
               r.push_back(
                   "deny m vulnerabilities.maxSeverity: ... and 5 more violations of "
                   "vulnerabilities.maxSeverity in m");
               return r;
             }()}),
    [](const auto& info) { return info.param.name; });

const ImageFacts kFailed = [] {
  ImageFacts f;
  f.manifest_digest = kDigest;
  f.assessment_error = "layer sha256:ab exceeds the 1 GiB uncompressed limit";
  return f;
}();

INSTANTIATE_TEST_SUITE_P(
    Assessment, EvaluatorTest,
    ::testing::Values(
        Case{"error_denies_manifests_that_need_facts",
             kContent + kRegistries,
             image("registry.corp.example/a:1", &kFailed),
             false,
             {"deny pci assessment: assessment of registry.corp.example/a:1 failed: layer "
              "sha256:ab exceeds the 1 GiB uncompressed limit (pci needs its facts)"}},
        Case{"error_is_a_warning_in_audit",
             manifest("dev", R"(  mode: audit
  content: {deny: [{name: ssh, sshServer: true}]})"),
             image("registry.corp.example/a:1", &kFailed),
             true,
             {"warn dev assessment: assessment of registry.corp.example/a:1 failed: layer "
              "sha256:ab exceeds the 1 GiB uncompressed limit (dev needs its facts)"}},
        Case{"no_manifest_applies",
             manifest("elsewhere", R"(  scope: {clusters: [staging]}
  registries: {deny: [docker.io]})"),
             image("nginx"),
             true,
             {}}),
    [](const auto& info) { return info.param.name; });

// Scope x mode: which manifests apply where, and whether they deny or warn.
// Every manifest denies docker.io.
struct ScopeCase {
  std::string scope;  // YAML flow map or empty
  std::string mode;
  std::string cluster;
  std::optional<std::string> ns;
  enum { NotApplied, Denied, Warned } expect;
};

class ScopeModeTest : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ScopeModeTest, AppliesWhereItShould) {
  const ScopeCase& c = GetParam();
  std::string spec = "  mode: " + c.mode + "\n  registries: {deny: [docker.io]}";
  if (!c.scope.empty()) spec += "\n  scope: " + c.scope;
  auto set = make_set(manifest("m", spec));
  ASSERT_TRUE(set);
  Request r = image("nginx");
  r.cluster = c.cluster;
  r.ns = c.ns;
  Verdict v = run(*set, r);
  switch (c.expect) {
    case ScopeCase::NotApplied:
      EXPECT_TRUE(v.allowed);
      EXPECT_TRUE(v.manifests.empty());
      EXPECT_TRUE(v.reasons.empty());
      break;
    case ScopeCase::Denied:
      EXPECT_FALSE(v.allowed);
      EXPECT_EQ(v.manifests, std::vector<std::string>{"m"});
      ASSERT_EQ(v.reasons.size(), 1u);
      EXPECT_TRUE(v.reasons[0].enforced);
      break;
    case ScopeCase::Warned:
      EXPECT_TRUE(v.allowed);
      EXPECT_TRUE(v.has_warnings());
      ASSERT_EQ(v.reasons.size(), 1u);
      EXPECT_FALSE(v.reasons[0].enforced);
      break;
  }
}

constexpr auto kNone = ScopeCase::NotApplied;
constexpr auto kDeny = ScopeCase::Denied;
constexpr auto kWarn = ScopeCase::Warned;
const std::string kClusterScope = "{clusters: ['prod-*']}";
const std::string kNamespaceScope = "{namespaces: [payments, 'pci-*']}";
const std::string kBothScope = "{clusters: ['prod-*'], namespaces: [payments]}";

INSTANTIATE_TEST_SUITE_P(
    ScopesAndModes, ScopeModeTest,
    ::testing::Values(
        // no scope: everywhere, pull and deploy
        ScopeCase{"", "enforce", "prod-eu", std::nullopt, kDeny},
        ScopeCase{"", "audit", "prod-eu", std::nullopt, kWarn},
        ScopeCase{"", "enforce", "dev", "default", kDeny},
        ScopeCase{"", "audit", "dev", "default", kWarn},
        ScopeCase{"", "enforce", "", std::nullopt, kDeny},
        // cluster glob
        ScopeCase{kClusterScope, "enforce", "prod-eu", std::nullopt, kDeny},
        ScopeCase{kClusterScope, "audit", "prod-eu", std::nullopt, kWarn},
        ScopeCase{kClusterScope, "enforce", "dev", std::nullopt, kNone},
        ScopeCase{kClusterScope, "audit", "dev", std::nullopt, kNone},
        ScopeCase{kClusterScope, "enforce", "prod-eu", "anything", kDeny},
        ScopeCase{kClusterScope, "enforce", "", std::nullopt, kNone},
        // namespaces: not at pull time (no namespace known), only in them at deploy time
        ScopeCase{kNamespaceScope, "enforce", "prod-eu", std::nullopt, kNone},
        ScopeCase{kNamespaceScope, "audit", "prod-eu", std::nullopt, kNone},
        ScopeCase{kNamespaceScope, "enforce", "prod-eu", "payments", kDeny},
        ScopeCase{kNamespaceScope, "audit", "prod-eu", "payments", kWarn},
        ScopeCase{kNamespaceScope, "enforce", "prod-eu", "pci-cards", kDeny},
        ScopeCase{kNamespaceScope, "enforce", "prod-eu", "default", kNone},
        // both: cluster and namespace must match
        ScopeCase{kBothScope, "enforce", "prod-eu", "payments", kDeny},
        ScopeCase{kBothScope, "audit", "prod-eu", "payments", kWarn},
        ScopeCase{kBothScope, "enforce", "dev", "payments", kNone},
        ScopeCase{kBothScope, "enforce", "prod-eu", std::nullopt, kNone}));

TEST(Evaluator, AllApplicableManifestsMustPassAndAuditOnlyWarns) {
  auto set = make_set(kContent + kRegistries + manifest("development", R"(  mode: audit
  content: {deny: [{name: no-ssh-server, sshServer: true}]}
  pinDigests: true)"));
  ASSERT_TRUE(set);
  Verdict v = run(*set, image("registry.corp.example/a:1", &kDebian));
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.manifests, (std::vector<std::string>{"development", "pci", "pci-production"}));
  ASSERT_GE(v.reasons.size(), 2u);
  EXPECT_EQ(reasons(v)[0],
            "warn development content.deny/no-ssh-server: no-ssh-server: /usr/sbin/sshd "
            "(openssh-server 1:9.2p1-2+deb12u3), denied by development (content.deny)");
  EXPECT_TRUE(v.has_warnings());
  EXPECT_TRUE(v.pin_digests);
  EXPECT_EQ(v.failure_policy, FailurePolicy::Fail);
  EXPECT_TRUE(v.needs.content);
  EXPECT_FALSE(v.needs.vulnerabilities);
  EXPECT_EQ(v.policy_revision, set->revision());

  // The audit manifest alone: allowed, with the warning.
  auto dev = make_set(manifest("development", R"(  mode: audit
  failurePolicy: fail
  content: {deny: [{name: no-ssh-server, sshServer: true}]})"));
  Verdict w = run(*dev, image("registry.corp.example/a:1", &kDebian));
  EXPECT_TRUE(w.allowed);
  EXPECT_EQ(w.reasons.size(), 1u);
  EXPECT_EQ(w.failure_policy, FailurePolicy::Ignore);  // audit never denies
}

TEST(Evaluator, ReferenceOnlyJudgesNamesAndReportsWhatFactsAreNeeded) {
  auto set = make_set(kContent + kRegistries + kVulns + kSigned);
  ASSERT_TRUE(set);
  Request r = image("registry.corp.example/a:1");
  r.rules = RuleSet::ReferenceOnly;
  Verdict v = run(*set, r);
  EXPECT_TRUE(v.allowed) << to_text(v);
  EXPECT_TRUE(v.needs.content && v.needs.signatures && v.needs.vulnerabilities);

  r.image = "quay.io/x:1";
  Verdict d = run(*set, r);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reasons.size(), 1u);
}

TEST(Evaluator, UnsortedFilesAreStillSearched) {
  ImageFacts f = debian_facts();
  std::reverse(f.content->files.begin(), f.content->files.end());
  auto set = make_set(manifest("m", "  content: {deny: [{name: nc, paths: ['/usr/bin/nc*']}]}"));
  Verdict v = run(*set, image("registry.corp.example/a:1", &f));
  EXPECT_FALSE(v.allowed);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0].message, "nc: /usr/bin/nc.openbsd, denied by m (content.deny)");
}

TEST(Evaluator, EmptySetAllowsEverything) {
  ManifestSet empty;
  Verdict v = run(empty, image("nginx"));
  EXPECT_TRUE(v.allowed);
  EXPECT_TRUE(v.manifests.empty());
  EXPECT_EQ(v.failure_policy, FailurePolicy::Ignore);
  EXPECT_EQ(v.policy_revision.size(), 16u);
}

TEST(VerdictFormat, TextAndJson) {
  auto set =
      make_set(kRegistries + manifest("dev", "  mode: audit\n  registries: {deny: [docker.io]}"));
  Verdict v = run(*set, image("nginx"));
  EXPECT_EQ(
      to_text(v, "docker.io/library/nginx:latest"),
      "DENY docker.io/library/nginx:latest (policy revision " + set->revision() +
          ")\n"
          "  applied: dev, pci-production\n"
          "  warn  dev registries.deny: registry docker.io is denied by dev (registries.deny)\n"
          "  deny  pci-production registries.deny: registry docker.io is denied by "
          "pci-production (registries.deny)\n");
  nlohmann::json j = to_json(v);
  EXPECT_EQ(j["decision"], "deny");
  EXPECT_EQ(j["allowed"], false);
  EXPECT_EQ(j["reasons"].size(), 2u);
  EXPECT_EQ(j["reasons"][0]["enforced"], false);
  EXPECT_EQ(j["reasons"][1]["rule"], "registries.deny");
  EXPECT_EQ(j["manifests"][1], "pci-production");
  EXPECT_EQ(j["failurePolicy"], "fail");
  EXPECT_EQ(j["policyRevision"], set->revision());
}

}  // namespace
}  // namespace portcullis::policy
