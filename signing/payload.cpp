#include "signing/payload.h"

#include "signing/go_json.h"
#include "signing/media_types.h"
#include "signing/strict_json.h"

namespace portcullis::signing {
namespace {

// Fails if obj has members other than the allowed ones.
Result<void> exact_members(const nlohmann::json& obj, std::string_view path,
                           std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : obj.items()) {
    bool known = false;
    for (auto a : allowed) known = known || k == a;
    if (!known) return fail(std::string(path) + " has unknown field \"" + k + "\"");
  }
  return {};
}

Result<SimpleSigningPayload> parse_document(const nlohmann::json& doc) {
  if (!doc.is_object()) return fail("payload must be a JSON object");
  if (auto r = exact_members(doc, "payload", {"critical", "optional"}); !r) return r.error();
  auto critical = get_object(doc, "critical", "payload");
  if (!critical) return critical.error();
  const auto& c = **critical;
  if (auto r = exact_members(c, "critical", {"identity", "image", "type"}); !r) return r.error();

  SimpleSigningPayload out;
  auto type = get_string(c, "type", "critical");
  if (!type) return type.error();
  out.type = std::move(*type);

  auto image = get_object(c, "image", "critical");
  if (!image) return image.error();
  if (auto r = exact_members(**image, "critical.image", {"docker-manifest-digest"}); !r) {
    return r.error();
  }
  auto digest = get_string(**image, "docker-manifest-digest", "critical.image");
  if (!digest) return digest.error();
  out.manifest_digest = std::move(*digest);

  auto identity = get_object(c, "identity", "critical");
  if (!identity) return identity.error();
  if (auto r = exact_members(**identity, "critical.identity", {"docker-reference"}); !r) {
    return r.error();
  }
  auto ref = get_string(**identity, "docker-reference", "critical.identity");
  if (!ref) return ref.error();
  out.docker_reference = std::move(*ref);

  auto opt = doc.find("optional");
  if (opt != doc.end()) {
    if (!opt->is_null() && !opt->is_object()) {
      return fail(std::string("payload.optional must be an object or null, got ") +
                  opt->type_name());
    }
    out.optional = *opt;
  }
  return out;
}

}  // namespace

std::string build_payload(std::string_view docker_reference, std::string_view manifest_digest) {
  std::string out = R"({"critical":{"identity":{"docker-reference":)";
  gojson::append_string(out, docker_reference);
  out += R"(},"image":{"docker-manifest-digest":)";
  gojson::append_string(out, manifest_digest);
  out += R"(},"type":)";
  gojson::append_string(out, kCosignSignatureType);
  out += R"(},"optional":null})";
  return out;
}

Result<SimpleSigningPayload> parse_payload(std::string_view bytes, size_t max_bytes) {
  auto doc = parse_strict_json(bytes, "payload", max_bytes, 16);
  if (!doc) return doc.error();
  return parse_document(*doc);
}

}  // namespace portcullis::signing
