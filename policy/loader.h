// Loads Trust Manifests from YAML text. Pure: the caller reads the files and
// passes their text with a display name used in diagnostics and to resolve
// relative key paths. Every error is collected, not just the first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/manifest.h"

namespace portcullis::policy {

struct Diagnostic {
  std::string file;
  int line = 0;  // 1-based
  int column = 0;
  std::string message;

  std::string to_string() const;  // "file:line:col: message"
};

struct LoadResult {
  std::vector<Manifest> manifests;  // only the documents without errors
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return diagnostics.empty(); }
};

// Limits on what one file may hold.
inline constexpr size_t kMaxManifestFileBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxDocumentsPerFile = 1000;

// Parses every YAML document ("---"-separated) in `yaml_text`. Empty
// documents are skipped. Duplicate names across documents and files are
// reported by ManifestSetBuilder, which sees them all.
LoadResult load_manifests(std::string_view yaml_text, std::string_view filename);

}  // namespace portcullis::policy
