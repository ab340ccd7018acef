// An immutable, validated set of Trust Manifests: what the daemon evaluates
// against. Build one with ManifestSetBuilder, share it as
// std::shared_ptr<const ManifestSet>, and swap the pointer on reload.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/loader.h"
#include "policy/manifest.h"

namespace portcullis::policy {

class ManifestSet {
 public:
  ManifestSet();  // empty: no manifest applies, so everything is allowed

  // Sorted by name, so verdict reasons come in a stable order.
  const std::vector<Manifest>& manifests() const { return manifests_; }
  const Manifest* find(std::string_view name) const;

  // 16 hex digits: a 64-bit FNV-1a hash of the canonical JSON of every
  // manifest (key fingerprints included). Comments and formatting do not
  // change it; any rule change does.
  const std::string& revision() const { return revision_; }

  // The manifests whose scope matches. `namespace_name` is nullopt at pull
  // and push time: then only manifests that name no namespaces apply (see
  // README.md, "Namespaces at pull time").
  std::vector<const Manifest*> applicable(std::string_view cluster,
                                          const std::optional<std::string>& namespace_name) const;

  // Precomputed by ManifestSetBuilder::build() so that evaluation does each
  // piece of work once per request, however many manifests repeat it.
  // An evaluation detail, not part of the language.
  struct ContentRuleIndex {
    std::vector<uint32_t> paths;   // ids into Index::path_patterns
    std::vector<uint32_t> setuid;  // ids into Index::path_patterns
  };
  struct Index {
    std::vector<Glob> path_patterns;                     // distinct content path patterns
    std::vector<std::vector<ContentRuleIndex>> content;  // [manifest][content rule]
    std::vector<uint64_t> denied_vulnerabilities;  // detail::id_hash of every deny-list id, sorted
  };
  const Index& index() const { return index_; }

 private:
  friend class ManifestSetBuilder;
  std::vector<Manifest> manifests_;
  std::string revision_;
  Index index_;
};

bool scope_matches(const Scope& scope, std::string_view cluster,
                   const std::optional<std::string>& namespace_name);

// What a key file resolved to: a fingerprint, or why it could not be read.
struct KeyLoad {
  std::string fingerprint;  // sha256 hex of the DER SubjectPublicKeyInfo
  std::string error;        // non-empty: the key could not be loaded
};

// Collects manifests from many files, then checks what needs all of them.
//   ManifestSetBuilder b;
//   for (file : files) b.add(read(file), file);
//   b.resolve_keys([](const std::string& path) { return load_pem_fingerprint(path); });
//   if (!b.ok()) print(b.diagnostics()); else set = b.build();
class ManifestSetBuilder {
 public:
  void add(std::string_view yaml_text, std::string_view filename);
  void add(LoadResult loaded);

  // The distinct resolved public key paths every manifest refers to.
  std::vector<std::string> key_files() const;
  // Calls `load` once per distinct key path; errors become diagnostics at
  // the publicKeyFile entry. Keys never resolved have an empty fingerprint
  // and verify nothing.
  void resolve_keys(const std::function<KeyLoad(const std::string& path)>& load);

  // Includes duplicate-name errors across all added files.
  std::vector<Diagnostic> diagnostics() const;
  bool ok() const { return diagnostics().empty(); }

  // nullptr when !ok().
  std::shared_ptr<const ManifestSet> build() const;

 private:
  std::vector<Manifest> manifests_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace portcullis::policy
