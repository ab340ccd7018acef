// The AdmissionReview JSON, parsed in one strict pass into only what the
// webhook reads: the envelope, request metadata, and from object/oldObject
// the path down to the containers' names and images. metadata,
// managedFields, volumes, env and the rest are scanned but never built, which
// makes a typical review several times cheaper to parse. Array elements are
// all kept, so indexes (and JSON Pointers) stay those of the full object.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::proxy::admission {

// nullopt with `error` set ("not valid JSON", "nested deeper than N levels").
std::optional<nlohmann::json> parse_review_json(std::string_view text, size_t max_depth,
                                                std::string& error);

}  // namespace portcullis::proxy::admission
