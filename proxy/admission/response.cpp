#include "proxy/admission/response.h"

#include <openssl/evp.h>

namespace portcullis::proxy::admission {

namespace {

using Json = nlohmann::json;

Json envelope(const AdmissionRequest& request, Json response) {
  response["uid"] = request.uid;
  return Json{{"apiVersion", request.api_version},
              {"kind", "AdmissionReview"},
              {"response", std::move(response)}};
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

// Strings from images and manifests are not guaranteed UTF-8: replace, never throw.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string review_response(const AdmissionRequest& request, const ReviewDecision& decision) {
  Json response{{"allowed", decision.allowed}};
  if (!decision.allowed)
    response["status"] = {{"code", 403},
                          {"reason", "Forbidden"},
                          {"message", join_lines(decision.denials)},
                          {"details", {{"causes", decision.causes}}}};
  if (!decision.warnings.empty()) response["warnings"] = decision.warnings;
  if (decision.allowed && !decision.patch.empty()) {
    response["patchType"] = "JSONPatch";
    response["patch"] = base64_encode(dump(decision.patch));
  }
  return dump(envelope(request, std::move(response)));
}

std::string malformed_object_response(const AdmissionRequest& request, std::string_view error) {
  Json response{
      {"allowed", false},
      {"status",
       {{"code", 400},
        {"reason", "BadRequest"},
        {"message", "Portcullis cannot read the " + request.kind + ": " + std::string(error)}}}};
  return dump(envelope(request, std::move(response)));
}

std::string status_body(unsigned code, std::string_view reason, std::string_view message) {
  return dump(Json{{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", Json::object()},
                   {"status", "Failure"},
                   {"code", code},
                   {"reason", reason},
                   {"message", message}});
}

}  // namespace portcullis::proxy::admission
