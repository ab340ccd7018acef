// The Trust Manifest model, as loaded and validated from YAML (see loader.h).
// Every pattern is compiled at load time so evaluation does no parsing.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/glob.h"
#include "policy/version_constraint.h"

namespace portcullis::policy {

// Where something was written, for diagnostics: 1-based line and column.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

enum class Mode : uint8_t { Enforce, Audit };
enum class FailurePolicy : uint8_t { Fail, Ignore };

// Ordered. A vulnerability with "unknown" (or unrecognised) severity is ranked
// as Critical when compared with maxSeverity: only "maxSeverity: critical"
// tolerates it. Not knowing how bad a CVE is must not let it through.
enum class Severity : uint8_t { None, Negligible, Low, Medium, High, Critical, Unknown };

std::string_view to_string(Mode mode);
std::string_view to_string(FailurePolicy policy);
std::string_view to_string(Severity severity);
// Case-insensitive; anything unrecognised is Severity::Unknown.
Severity severity_from_string(std::string_view text);

struct Scope {
  std::vector<Glob> clusters;    // empty: every cluster
  std::vector<Glob> namespaces;  // empty: every namespace, and pull/push time
};

struct RegistryRules {
  std::optional<std::vector<Glob>> allow;  // present: exhaustive
  std::vector<Glob> deny;
};

struct ImageRule {
  Glob repository;  // matched against "registry/repository"
  std::optional<VersionConstraint> versions;
  SourceLocation where;
};

struct ImageRules {
  std::optional<std::vector<ImageRule>> allow;  // present: exhaustive
  std::vector<ImageRule> deny;
};

struct ContentRule {
  std::string name;
  bool ssh_server = false;   // Finding{detector == "sshServer"}
  std::vector<Glob> paths;   // any entry in the merged filesystem, links included
  std::vector<Glob> setuid;  // regular files and hardlinks with mode 04000
  SourceLocation where;
};

struct SigningKey {
  std::string name;
  std::string public_key_file;     // as written in the manifest
  std::string public_key_path;     // resolved against the manifest file's directory
  std::vector<Glob> repositories;  // empty: every repository
  // sha256 hex of the DER SubjectPublicKeyInfo; filled in by the caller that
  // reads the key file (ManifestSetBuilder::resolve_keys). Empty: not loaded.
  std::string fingerprint;
  SourceLocation where;
};

struct SignatureRules {
  bool required = false;
  bool require_all = false;  // every key that covers the repository must have signed
  std::vector<SigningKey> keys;
};

struct VulnerabilityException {
  std::string id;
  std::string reason;
  // Last day (UTC) the exception holds; it stops exempting the next day.
  std::optional<std::chrono::sys_days> expires;
};

struct VulnerabilityRules {
  std::optional<Severity> max_severity;  // absent: no severity limit
  std::vector<VulnerabilityException> allow;
  std::vector<std::string> deny;  // always denied, whatever the allow list says
  bool only_fixed = false;        // ignore vulnerabilities without a fixed version
};

struct Manifest {
  std::string name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  SourceLocation where;  // of the document

  Scope scope;
  Mode mode = Mode::Enforce;
  std::optional<RegistryRules> registries;
  std::optional<ImageRules> images;
  std::vector<ContentRule> content_deny;
  std::optional<SignatureRules> signatures;
  std::optional<VulnerabilityRules> vulnerabilities;
  bool pin_digests = false;                            // admission webhook: rewrite tag -> digest
  FailurePolicy failure_policy = FailurePolicy::Fail;  // admission webhook: on timeout/error

  bool needs_content() const { return !content_deny.empty(); }
  bool needs_signatures() const { return signatures && signatures->required; }
  bool needs_vulnerabilities() const {
    return vulnerabilities && (vulnerabilities->max_severity || !vulnerabilities->deny.empty());
  }
  bool needs_facts() const {
    return needs_content() || needs_signatures() || needs_vulnerabilities();
  }
};

}  // namespace portcullis::policy
