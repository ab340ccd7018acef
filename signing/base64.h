// Standard (RFC 4648, padded) base64, as Go's base64.StdEncoding that cosign uses.
#pragma once

#include <string>
#include <string_view>

#include "signing/result.h"

namespace portcullis::signing {

std::string base64_encode(std::string_view data);
// Strict decode: standard alphabet, '=' padding required; '\r' and '\n' are
// skipped like Go's decoder does. Errors name the offending offset.
Result<std::string> base64_decode(std::string_view text);

}  // namespace portcullis::signing
