// sha256 helpers for OCI content digests.
#pragma once

#include <string>
#include <string_view>

namespace portcullis::signing {

// Lowercase hex sha256 of data.
std::string sha256_hex(std::string_view data);
// "sha256:<hex>" of data, the OCI digest form.
std::string sha256_digest(std::string_view data);
// True for exactly "sha256:" followed by 64 lowercase hex digits.
bool is_sha256_digest(std::string_view s);

}  // namespace portcullis::signing
