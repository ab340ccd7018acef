#include "proxy/oci/errors.h"

#include <nlohmann/json.hpp>

namespace portcullis::proxy::oci {

const ErrorInfo& info(ErrorCode code) {
  static const ErrorInfo table[] = {
      {"BLOB_UNKNOWN", 404, "blob unknown to registry"},
      {"BLOB_UPLOAD_INVALID", 400, "blob upload invalid"},
      {"BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"},
      {"DIGEST_INVALID", 400, "provided digest did not match uploaded content"},
      {"MANIFEST_BLOB_UNKNOWN", 404, "manifest references a manifest or blob unknown to registry"},
      {"MANIFEST_INVALID", 400, "manifest invalid"},
      {"MANIFEST_UNKNOWN", 404, "manifest unknown to registry"},
      {"NAME_INVALID", 400, "invalid repository name"},
      {"NAME_UNKNOWN", 404, "repository name not known to registry"},
      {"SIZE_INVALID", 400, "provided length did not match content length"},
      {"UNAUTHORIZED", 401, "authentication required"},
      {"DENIED", 403, "requested access to the resource is denied"},
      {"UNSUPPORTED", 405, "the operation is unsupported"},
      {"TOOMANYREQUESTS", 429, "too many requests"},
      {"UNAVAILABLE", 503, "service unavailable"},
  };
  return table[static_cast<int>(code)];
}

std::string error_body(ErrorCode code, std::string_view message, const nlohmann::json& detail) {
  const auto& i = info(code);
  nlohmann::json entry = {{"code", i.code}, {"message", message.empty() ? i.default_message : message}};
  if (!detail.is_null() && !(detail.is_string() && detail.get_ref<const std::string&>().empty()))
    entry["detail"] = detail;
  return nlohmann::json{{"errors", nlohmann::json::array({entry})}}.dump(-1, ' ', false,
                                                                          nlohmann::json::error_handler_t::replace);
}

std::string error_body(ErrorCode code, std::string_view message, std::string_view detail) {
  return error_body(code, message, detail.empty() ? nlohmann::json() : nlohmann::json(std::string(detail)));
}

}  // namespace portcullis::proxy::oci
