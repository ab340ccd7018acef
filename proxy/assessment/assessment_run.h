// One assessment, start to finish, blocking: manifest -> config -> every
// layer through the ImageInspector. Runs on an Assessor worker thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "proxy/assessment/assessment.h"
#include "proxy/assessment/error.h"
#include "proxy/assessment/image_manifest.h"
#include "proxy/assessment/registry_reader.h"
#include "proxy/store/manifest_store.h"
#include "scanner-adapters/limits.h"

namespace portcullis::proxy::assessment {

struct RunLimits {
  scanner::Limits scanner{};
  ManifestLimits manifest{};
  uint64_t max_manifest_bytes = store::kMaxManifestBytes;
  uint64_t max_config_bytes = 4u << 20;
};

struct RunResult {
  Assessment assessment;
  // The outcome depends only on the digest's bytes (facts, or a malformed or
  // over-limit manifest/config/layer): safe to cache. False for bytes that did
  // not match their digest, which says more about the upstream than the image.
  bool cacheable = false;
  bool manifest_stored = false;  // written to the ManifestStore
};

// Errors (nothing cacheable): the manifest is unknown upstream (not_found), or
// the upstream failed (upstream / unauthorized). `manifests` may be null.
Result<RunResult> run_assessment(RegistryReader& reader, std::string_view repository,
                                 std::string_view digest, const RunLimits& limits,
                                 store::ManifestIngester* manifests);

}  // namespace portcullis::proxy::assessment
