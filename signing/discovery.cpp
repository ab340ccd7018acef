#include "signing/discovery.h"

#include "signing/digest.h"
#include "signing/media_types.h"
#include "signing/strict_json.h"

namespace portcullis::signing {
namespace {

std::string short_name(const nlohmann::json& layer, size_t index) {
  auto it = layer.find("digest");
  if (it != layer.end() && it->is_string()) return "layer " + it->get<std::string>();
  return "layer #" + std::to_string(index);
}

Result<std::map<std::string, std::string>> annotations_of(const nlohmann::json& desc,
                                                          std::string_view path) {
  std::map<std::string, std::string> out;
  auto it = desc.find("annotations");
  if (it == desc.end() || it->is_null()) return out;
  if (!it->is_object()) return fail(std::string(path) + ".annotations must be an object");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return fail(std::string(path) + ".annotations[\"" + k + "\"] must be a string");
    }
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

// Checks one simple-signing layer descriptor; the error is the rejection reason.
Result<SignatureLayer> check_layer(const nlohmann::json& layer, const std::string& name,
                                   const DiscoveryLimits& limits) {
  SignatureLayer out;
  out.media_type = std::string(kSimpleSigningMediaType);
  auto digest = get_string(layer, "digest", name);
  if (!digest) return digest.error();
  if (!is_sha256_digest(*digest)) {
    return fail(name + " has digest \"" + *digest + "\", not a sha256 digest");
  }
  out.payload_digest = *digest;
  auto size = get_unsigned(layer, "size", name);
  if (!size) return size.error();
  if (*size > limits.max_payload_bytes) {
    return fail(name + " declares a payload of " + std::to_string(*size) +
                " bytes, more than the limit of " + std::to_string(limits.max_payload_bytes) +
                "; not fetched");
  }
  out.payload_size = *size;
  auto annotations = annotations_of(layer, name);
  if (!annotations) return annotations.error();
  out.annotations = std::move(*annotations);
  auto sig = out.annotations.find(std::string(kSignatureAnnotation));
  if (sig == out.annotations.end()) {
    return fail(name + " has no " + std::string(kSignatureAnnotation) + " annotation");
  }
  if (sig->second.size() > limits.max_signature_chars) {
    return fail(name + " has a " + std::to_string(sig->second.size()) +
                "-character signature annotation, more than the limit of " +
                std::to_string(limits.max_signature_chars));
  }
  out.signature_base64 = sig->second;
  return out;
}

std::optional<std::string> optional_string(const nlohmann::json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

Result<std::string> signature_tag_for(std::string_view manifest_digest) {
  if (!is_sha256_digest(manifest_digest)) {
    return fail("\"" + std::string(manifest_digest) + "\" is not a sha256 manifest digest");
  }
  return "sha256-" + std::string(manifest_digest.substr(7)) + ".sig";
}

Result<SignatureManifest> parse_signature_manifest(std::string_view manifest_bytes,
                                                   const DiscoveryLimits& limits) {
  auto doc = parse_strict_json(manifest_bytes, "signature manifest", limits.max_manifest_bytes);
  if (!doc) return doc.error();
  if (!doc->is_object()) return fail("signature manifest must be a JSON object");
  auto media_type = optional_string(*doc, "mediaType");
  if (media_type && *media_type != kOciManifestMediaType) {
    return fail("signature manifest has mediaType " + *media_type + ", expected " +
                std::string(kOciManifestMediaType));
  }
  auto version = doc->find("schemaVersion");
  if (version == doc->end() || !version->is_number_unsigned() || version->get<uint64_t>() != 2) {
    return fail("signature manifest must have schemaVersion 2");
  }
  auto layers = doc->find("layers");
  if (layers == doc->end() || !layers->is_array()) {
    return fail("signature manifest has no layers array");
  }

  SignatureManifest out;
  if (auto at = optional_string(*doc, "artifactType")) out.artifact_type = *at;
  if (auto subject = doc->find("subject"); subject != doc->end() && subject->is_object()) {
    out.subject_digest = optional_string(*subject, "digest");
  }
  size_t beyond_limit = 0;
  for (size_t i = 0; i < layers->size(); ++i) {
    const auto& layer = (*layers)[i];
    if (!layer.is_object()) {
      return fail("signature manifest layer #" + std::to_string(i) + " is not an object");
    }
    auto mt = optional_string(layer, "mediaType");
    if (!mt || *mt != kSimpleSigningMediaType) continue;
    ++out.discovered;
    if (out.signatures.size() + out.rejected.size() >= limits.max_signatures) {
      ++beyond_limit;
      continue;
    }
    auto checked = check_layer(layer, short_name(layer, i), limits);
    if (checked) {
      out.signatures.push_back(std::move(*checked));
    } else {
      out.rejected.push_back(checked.error().message);
    }
  }
  if (beyond_limit > 0) {
    out.rejected.push_back(std::to_string(beyond_limit) + " signature layers beyond the limit of " +
                           std::to_string(limits.max_signatures) + " were not examined");
  }
  return out;
}

Result<ReferrersSelection> parse_referrers_index(std::string_view index_bytes,
                                                 const DiscoveryLimits& limits) {
  auto doc = parse_strict_json(index_bytes, "referrers index", limits.max_manifest_bytes);
  if (!doc) return doc.error();
  if (!doc->is_object()) return fail("referrers index must be a JSON object");
  auto media_type = optional_string(*doc, "mediaType");
  if (media_type && *media_type != kOciIndexMediaType) {
    return fail("referrers index has mediaType " + *media_type + ", expected " +
                std::string(kOciIndexMediaType));
  }
  auto manifests = doc->find("manifests");
  if (manifests == doc->end() || manifests->is_null()) return ReferrersSelection{};
  if (!manifests->is_array()) return fail("referrers index manifests must be an array");

  ReferrersSelection out;
  size_t beyond_limit = 0;
  for (size_t i = 0; i < manifests->size(); ++i) {
    const auto& entry = (*manifests)[i];
    if (!entry.is_object()) {
      return fail("referrers index entry #" + std::to_string(i) + " is not an object");
    }
    auto at = optional_string(entry, "artifactType");
    if (!at || *at != kCosignSignatureArtifactType) continue;
    if (out.signatures.size() + out.rejected.size() >= limits.max_referrers) {
      ++beyond_limit;
      continue;
    }
    std::string name = "referrer #" + std::to_string(i);
    ReferrerDescriptor d;
    d.artifact_type = *at;
    auto digest = get_string(entry, "digest", name);
    auto size = get_unsigned(entry, "size", name);
    auto mt = get_string(entry, "mediaType", name);
    if (!digest || !size || !mt) {
      out.rejected.push_back(!digest ? digest.error().message
                             : !size ? size.error().message
                                     : mt.error().message);
      continue;
    }
    if (!is_sha256_digest(*digest)) {
      out.rejected.push_back(name + " has digest \"" + *digest + "\", not a sha256 digest");
      continue;
    }
    name = "referrer " + *digest;
    if (*mt != kOciManifestMediaType) {
      out.rejected.push_back(name + " has mediaType " + *mt + ", expected " +
                             std::string(kOciManifestMediaType));
      continue;
    }
    if (*size > limits.max_manifest_bytes) {
      out.rejected.push_back(name + " declares " + std::to_string(*size) +
                             " bytes, more than the limit of " +
                             std::to_string(limits.max_manifest_bytes) + "; not fetched");
      continue;
    }
    d.digest = *digest;
    d.size = *size;
    d.media_type = *mt;
    out.signatures.push_back(std::move(d));
  }
  if (beyond_limit > 0) {
    out.rejected.push_back(std::to_string(beyond_limit) +
                           " signature referrers beyond the limit of " +
                           std::to_string(limits.max_referrers) + " were not examined");
  }
  return out;
}

}  // namespace portcullis::signing
