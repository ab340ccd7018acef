// ImageFacts <-> JSON, for fixtures, the CLI's --output json and the facts
// cache. Separate from the evaluator, which never sees JSON.
//
// {"manifestDigest": "sha256:...",
//  "content": {"files": [{"path": "/usr/sbin/sshd", "type": "f", "mode": "0755",
//                         "size": 123, "linkTarget": ""}],
//              "osRelease": {"ID": "debian"},
//              "packages": [{"ecosystem", "name", "version", "source", "arch"}],
//              "findings": [{"detector", "path", "detail"}]},
//  "signatures": {"discovered": 1, "verified": [{"keyFingerprint", "dockerReference", "source"}],
//                 "rejected": ["..."]},
//  "vulnerabilities": {"source", "dbRevision",
//                      "vulnerabilities": [{"id", "severity", "package",
//                                           "installedVersion", "fixedVersion"}]},
//  "assessmentError": "..."}
// A missing section stays unset ("not gathered"). File types are the
// FileType letters (f d l h c b p s) or words (file, dir, symlink, hardlink,
// char, block, fifo, socket); modes are octal strings or integers. Files are
// sorted by path on reading. Unknown keys are ignored (forward compatible).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "policy/facts.h"
#include "policy/result.h"

namespace portcullis::policy {

inline constexpr size_t kMaxFactsJsonBytes = 512 * 1024 * 1024;
inline constexpr size_t kMaxFactsJsonDepth = 16;

nlohmann::json facts_to_json(const ImageFacts& facts);
Result<ImageFacts> facts_from_json(const nlohmann::json& json);
Result<ImageFacts> parse_facts_json(std::string_view text);

}  // namespace portcullis::policy
