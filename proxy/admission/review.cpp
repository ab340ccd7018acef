#include "proxy/admission/review.h"

#include "proxy/admission/review_json.h"

namespace portcullis::proxy::admission {

namespace {

using Json = nlohmann::json;
using policy::Result;

constexpr size_t kMaxUidBytes = 256;  // a UUID is 36; anything long is not from an API server

// An optional string member: absent or null is "", any other type is an error.
bool optional_string(const Json& parent, const char* key, std::string& out, std::string& error,
                     std::string_view where) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return true;
  if (!it->is_string()) {
    error = std::string(where) + key + " must be a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

// request.kind / request.resource are {group, version, kind|resource} objects.
bool gvk_member(const Json& request, const char* key, const char* member, std::string& out,
                std::string& error) {
  const auto it = request.find(key);
  if (it == request.end() || it->is_null()) return true;
  if (!it->is_object()) {
    error = std::string("request.") + key + " must be an object";
    return false;
  }
  return optional_string(*it, member, out, error, std::string("request.") + key + ".");
}

}  // namespace

Result<AdmissionRequest> parse_review(std::string_view body, const ReviewLimits& limits) {
  using R = Result<AdmissionRequest>;
  if (body.size() > limits.max_body_bytes)
    return R::failure("the review is larger than " + std::to_string(limits.max_body_bytes) +
                      " bytes");
  std::string error;
  auto parsed = parse_review_json(body, limits.max_depth, error);
  if (!parsed) return R::failure("the body is " + error);
  Json& review = *parsed;
  if (!review.is_object()) return R::failure("the body is not a JSON object");

  AdmissionRequest out;
  if (!optional_string(review, "apiVersion", out.api_version, error, "")) return R::failure(error);
  if (out.api_version != kReviewV1 && out.api_version != kReviewV1beta1)
    return R::failure("unsupported apiVersion \"" + out.api_version + "\" (expected " +
                      std::string(kReviewV1) + " or " + std::string(kReviewV1beta1) + ")");
  std::string kind;
  if (!optional_string(review, "kind", kind, error, "")) return R::failure(error);
  if (kind != "AdmissionReview")
    return R::failure("kind is \"" + kind + "\", expected \"AdmissionReview\"");

  const auto request_it = review.find("request");
  if (request_it == review.end() || request_it->is_null()) return R::failure("request is missing");
  if (!request_it->is_object()) return R::failure("request must be an object");
  Json& request = *request_it;

  if (!optional_string(request, "uid", out.uid, error, "request.")) return R::failure(error);
  if (out.uid.empty()) return R::failure("request.uid is missing");
  if (out.uid.size() > kMaxUidBytes)
    return R::failure("request.uid is longer than " + std::to_string(kMaxUidBytes) + " bytes");
  if (!gvk_member(request, "kind", "kind", out.kind, error) ||
      !gvk_member(request, "resource", "resource", out.resource, error) ||
      !optional_string(request, "subResource", out.sub_resource, error, "request.") ||
      !optional_string(request, "name", out.name, error, "request.") ||
      !optional_string(request, "namespace", out.namespace_name, error, "request.") ||
      !optional_string(request, "operation", out.operation, error, "request."))
    return R::failure(error);
  if (out.operation.empty()) return R::failure("request.operation is missing");
  if (const auto it = request.find("dryRun"); it != request.end() && !it->is_null()) {
    if (!it->is_boolean()) return R::failure("request.dryRun must be a boolean");
    out.dry_run = it->get<bool>();
  }
  for (const auto& [key, target] :
       {std::pair{"object", &out.object}, std::pair{"oldObject", &out.old_object}}) {
    const auto it = request.find(key);
    if (it == request.end() || it->is_null()) continue;
    if (!it->is_object()) return R::failure(std::string("request.") + key + " must be an object");
    *target = std::move(*it);  // `review` is ours: take the subtree instead of copying it
  }
  // Older API servers sent no request.kind for some subresources: the object says what it is.
  if (out.kind.empty() && out.object.is_object())
    if (!optional_string(out.object, "kind", out.kind, error, "request.object."))
      return R::failure(error);
  if (out.kind.empty() && (out.operation == "CREATE" || out.operation == "UPDATE"))
    return R::failure("request.kind.kind is missing");
  return out;
}

}  // namespace portcullis::proxy::admission
