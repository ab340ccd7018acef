// Reads Trust Manifests from files and directories (the I/O that policy/ does
// not do), resolves their public keys, and builds an immutable ManifestSet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policy/loader.h"
#include "policy/manifest_set.h"

namespace portcullis::proxy::trust {

struct LoadedManifests {
  std::shared_ptr<const policy::ManifestSet> set;  // null when there were errors
  std::vector<policy::Diagnostic> diagnostics;
  std::vector<std::string> files;  // every file read, sorted
};

// `paths` are files or directories (*.yaml / *.yml, not recursive, sorted).
LoadedManifests load_manifest_files(const std::vector<std::string>& paths);

}  // namespace portcullis::proxy::trust
