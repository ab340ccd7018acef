// The one table of OCI distribution error codes: code -> HTTP status and the
// JSON error body, as distribution's errcode package keeps it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace portcullis::proxy::oci {

enum class ErrorCode {
  BlobUnknown,
  BlobUploadInvalid,
  BlobUploadUnknown,
  DigestInvalid,
  ManifestBlobUnknown,
  ManifestInvalid,
  ManifestUnknown,
  NameInvalid,
  NameUnknown,
  SizeInvalid,
  Unauthorized,
  Denied,
  Unsupported,
  TooManyRequests,
  Unavailable,  // upstream unreachable or failing (distribution's UNAVAILABLE)
};

struct ErrorInfo {
  std::string_view code;  // "DENIED"
  unsigned status;        // 403
  std::string_view default_message;
};

const ErrorInfo& info(ErrorCode code);

// {"errors":[{"code":..., "message":..., "detail":...}]}; detail omitted when empty.
std::string error_body(ErrorCode code, std::string_view message, std::string_view detail = {});
// The same with structured detail (e.g. the policy reasons as objects).
std::string error_body(ErrorCode code, std::string_view message, const nlohmann::json& detail);

}  // namespace portcullis::proxy::oci
