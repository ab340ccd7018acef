// Verdicts and diagnostics as JSON and as text, for `portcullis check`,
// `portcullis validate`, the API and the logs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "policy/evaluator.h"
#include "policy/loader.h"

namespace portcullis::policy {

// {"allowed", "decision": "allow"|"deny", "policyRevision", "manifests",
//  "reasons": [{"manifest","rule","message","enforced"}], "needs", "pinDigests",
//  "failurePolicy"}
nlohmann::json to_json(const Verdict& verdict);

// DENY docker.io/library/nginx:latest (policy revision 0123456789abcdef)
//   applied: development, pci-production
//   deny  pci-production registries.allow: registry docker.io is not ...
//   warn  development content.deny/no-ssh-server: ...
std::string to_text(const Verdict& verdict, std::string_view image = {});

// One "file:line:col: message" line per diagnostic.
std::string to_text(const std::vector<Diagnostic>& diagnostics);

}  // namespace portcullis::policy
