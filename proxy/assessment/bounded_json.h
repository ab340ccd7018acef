// JSON from untrusted bytes with a nesting bound; no exceptions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::proxy::assessment {

// The parsed value, or nullopt with `error` set ("not valid JSON",
// "nested deeper than N levels").
std::optional<nlohmann::json> parse_bounded_json(std::string_view text, size_t max_depth,
                                                 std::string& error);

}  // namespace portcullis::proxy::assessment
