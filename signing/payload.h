// cosign simple-signing payloads: the JSON document a signature covers. It
// binds the signature to one manifest digest (critical.image).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "signing/result.h"

namespace portcullis::signing {

// Payloads are tiny (~250 bytes); anything bigger is refused unread.
inline constexpr size_t kMaxPayloadBytes = 64 * 1024;

struct SimpleSigningPayload {
  std::string type;              // critical.type
  std::string docker_reference;  // critical.identity.docker-reference
  std::string manifest_digest;   // critical.image.docker-manifest-digest
  nlohmann::json optional;       // "optional": null or an object (cosign -a annotations)
};

// The exact bytes cosign signs (Go json.Marshal of sigstore's
// payload.SimpleContainerImage, compact, "optional":null):
// {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
//  "type":"cosign container image signature"},"optional":null}
// docker_reference is the repository without tag or digest ("registry/repo").
std::string build_payload(std::string_view docker_reference, std::string_view manifest_digest);

// Strict parse: bounded size and depth, no duplicate keys; "critical" must
// hold exactly "identity", "image" and "type" (simple-signing rejects unknown
// critical fields), each with exactly the one documented member as a string;
// "optional" may be absent, null or an object. Does not check the type value
// or digest — verify() does, with reasons that name what was expected.
Result<SimpleSigningPayload> parse_payload(std::string_view bytes,
                                           size_t max_bytes = kMaxPayloadBytes);

}  // namespace portcullis::signing
