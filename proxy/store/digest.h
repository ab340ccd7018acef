#pragma once
// OCI content digests: the only keys the stores accept, and the check that makes a stored
// manifest trustworthy to serve by digest.

#include "proxy/store/result.h"

#include <string>
#include <string_view>

namespace portcullis::proxy::store {

// invalid_argument unless `digest` is "sha256:<64 lowercase hex>" or "sha512:<128 lowercase hex>".
Result<void> check_digest(std::string_view digest);

// invalid_argument for a malformed digest; digest_mismatch when `bytes` hash to something else.
Result<void> verify_digest(std::string_view digest, std::string_view bytes);

// "sha256:<hex>" of `bytes`.
std::string sha256_digest(std::string_view bytes);

}  // namespace portcullis::proxy::store
