// Bounded, strict JSON parsing for untrusted documents (payloads, manifests,
// referrers indexes): size and depth limits, valid UTF-8, no duplicate keys
// (two parsers reading different values from one document is an attack).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "signing/result.h"

namespace portcullis::signing {

// what names the document in error messages ("payload", "signature manifest").
Result<nlohmann::json> parse_strict_json(std::string_view text, std::string_view what,
                                         size_t max_bytes, int max_depth = 32);

// Typed member access for strict schemas; errors read "<what>: <path> ...".
Result<std::string> get_string(const nlohmann::json& obj, std::string_view key,
                               std::string_view path);
Result<const nlohmann::json*> get_object(const nlohmann::json& obj, std::string_view key,
                                         std::string_view path);
Result<uint64_t> get_unsigned(const nlohmann::json& obj, std::string_view key,
                              std::string_view path);

}  // namespace portcullis::signing
