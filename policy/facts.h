// Facts: what an image *is*. Produced by scanner-adapters, signing and the
// proxy's assessment; consumed by the pure evaluator. Independent of policy,
// so they can be cached by manifest digest and re-judged without rescanning.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace portcullis::policy {

enum class FileType : char {
  Regular = 'f',
  Directory = 'd',
  Symlink = 'l',
  Hardlink = 'h',
  CharDevice = 'c',
  BlockDevice = 'b',
  Fifo = 'p',
  Socket = 's',
};

// One path in the merged (whiteouts applied) container filesystem.
struct FileEntry {
  std::string path;  // absolute, normalised: "/usr/sbin/sshd"
  FileType type = FileType::Regular;
  uint32_t mode = 0;  // permission bits incl. 04000 setuid, 02000 setgid
  uint64_t size = 0;
  std::string link_target;  // symlink target or hardlink source path
};

struct Package {
  std::string ecosystem;  // "dpkg", "apk", "rpm"
  std::string name;
  std::string version;
  std::string source;  // source package, when known
  std::string arch;
};

// A built-in detector hit, e.g. an SSH server binary or package.
struct Finding {
  std::string detector;  // "sshServer"
  std::string path;      // "/usr/sbin/sshd" (may be empty for package-only hits)
  std::string detail;    // "openssh-server 1:9.2p1-2+deb12u3"
};

struct ContentFacts {
  std::vector<FileEntry> files;  // sorted by path
  std::map<std::string, std::string> os_release;  // ID, VERSION_ID, ...
  std::vector<Package> packages;
  std::vector<Finding> findings;
};

// A cosign signature that verified for exactly this manifest digest.
struct VerifiedSignature {
  std::string key_fingerprint;   // sha256 hex of the DER SubjectPublicKeyInfo
  std::string docker_reference;  // critical.identity.docker-reference
  std::string source;            // "tag:sha256-<hex>.sig" or "referrer:<digest>"
};

struct SignatureFacts {
  int discovered = 0;  // signatures found (verified or not)
  std::vector<VerifiedSignature> verified;
  std::vector<std::string> rejected;  // why each unverified one failed
};

struct Vulnerability {
  std::string id;        // CVE-2023-0464 / GHSA-...
  std::string severity;  // "unknown", "negligible", "low", "medium", "high", "critical"
  std::string package;
  std::string installed_version;
  std::string fixed_version;  // empty if no fix
};

struct VulnerabilityFacts {
  std::string source;       // "builtin-osv", "harbor:<scanner>", "report:trivy"
  std::string db_revision;  // advisory data revision (part of the facts key)
  std::vector<Vulnerability> vulnerabilities;
};

// Everything known about one image manifest. A missing optional means "not
// gathered"; a rule that needs it denies in enforce mode.
struct ImageFacts {
  std::string manifest_digest;  // sha256:...
  std::optional<ContentFacts> content;
  std::optional<SignatureFacts> signatures;
  std::optional<VulnerabilityFacts> vulnerabilities;
  // Set when an assessment could not finish (malformed layer, limit, upstream
  // error); the evaluator turns it into a deny reason.
  std::optional<std::string> assessment_error;
};

}  // namespace portcullis::policy
