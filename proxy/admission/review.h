// The AdmissionReview envelope the API server sends (admission.k8s.io/v1 and
// v1beta1), read from untrusted bytes: bounded in depth and field sizes, and
// never throwing. What is wrong with a malformed review is said in `error`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "policy/result.h"

namespace portcullis::proxy::admission {

struct ReviewLimits {
  size_t max_body_bytes = 8u << 20;  // object + oldObject of a 1.5 MiB etcd object, with room
  size_t max_depth = 64;             // a CronJob's pod spec sits ~10 levels down
  size_t max_containers = 256;       // per list (containers, initContainers, ...)
  size_t max_images = 256;           // distinct images judged per review
};

struct AdmissionRequest {
  std::string api_version;  // "admission.k8s.io/v1" or "admission.k8s.io/v1beta1": echoed
  std::string uid;
  std::string kind;          // request.kind.kind: "Pod", "Deployment", ...
  std::string resource;      // request.resource.resource: "pods"
  std::string sub_resource;  // "ephemeralcontainers", "status", ...
  std::string name;
  std::string namespace_name;  // empty for cluster-scoped objects
  std::string operation;       // CREATE, UPDATE, DELETE, CONNECT
  bool dry_run = false;
  // Only what the webhook reads (see review_json.h): kind and the pod-spec
  // path down to container names and images, indexes as sent.
  nlohmann::json object;      // null when absent (DELETE)
  nlohmann::json old_object;  // null unless UPDATE
};

inline constexpr std::string_view kReviewV1 = "admission.k8s.io/v1";
inline constexpr std::string_view kReviewV1beta1 = "admission.k8s.io/v1beta1";

// Parses the review. An error names what is wrong: "not valid JSON",
// "request.uid is missing", "unsupported apiVersion ...".
policy::Result<AdmissionRequest> parse_review(std::string_view body, const ReviewLimits& limits);

}  // namespace portcullis::proxy::admission
