// Canonical JSON for manifests: what the API shows and what the set
// revision hashes.
#pragma once

#include <nlohmann/json.hpp>

#include "policy/manifest.h"

namespace portcullis::policy {

nlohmann::json to_json(const Manifest& manifest);

}  // namespace portcullis::policy
