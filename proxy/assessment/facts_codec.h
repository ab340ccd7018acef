// The facts cache's value: the facts in policy's versioned JSON encoding
// (facts_json.h), plus an "assessment" member with what the manifest is and
// references. policy's reader ignores unknown members, so the value stays
// readable as plain facts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/assessment/assessment.h"

namespace portcullis::proxy::assessment {

// Bump when the layout of the "assessment" member changes; older values are
// then treated as misses and re-assessed.
inline constexpr uint32_t kFactsEncodingVersion = 1;

std::string encode_assessment(const Assessment& a, std::string_view facts_revision);

// nullopt when the bytes do not decode (the caller re-assesses and overwrites).
std::optional<Assessment> decode_assessment(std::string_view bytes);

}  // namespace portcullis::proxy::assessment
