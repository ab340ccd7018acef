// The AdmissionReview the API server gets back, in the apiVersion it sent,
// and the Status body of a review that could not be read.
#pragma once

#include <string>
#include <string_view>

#include "proxy/admission/decision.h"
#include "proxy/admission/review.h"

namespace portcullis::proxy::admission {

// {"apiVersion":<as sent>,"kind":"AdmissionReview","response":{"uid":<echoed>,"allowed":...,
//  "status":{"code":403,"reason":"Forbidden","message":<every denied image, one per line>,
//            "details":{"causes":[{"reason","message","field"}...]}},
//  "warnings":[...], "patchType":"JSONPatch", "patch":<base64 of the JSON Patch>}}
// status only when denied; warnings only when there are some; patch only when non-empty.
std::string review_response(const AdmissionRequest& request, const ReviewDecision& decision);

// A review whose envelope was readable but whose object was not: denied (the
// API server shows the message), with code 400.
std::string malformed_object_response(const AdmissionRequest& request, std::string_view error);

// The body of an HTTP error (400 malformed review, 413, 415, 405), shaped as
// a Kubernetes metav1.Status: {"kind":"Status","apiVersion":"v1","status":
// "Failure","code":N,"reason":...,"message":...}.
std::string status_body(unsigned code, std::string_view reason, std::string_view message);

// Standard base64 with padding, as the API server decodes `patch`.
std::string base64_encode(std::string_view bytes);

}  // namespace portcullis::proxy::admission
