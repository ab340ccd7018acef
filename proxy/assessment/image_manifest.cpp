#include "proxy/assessment/image_manifest.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "proxy/assessment/bounded_json.h"
#include "proxy/assessment/registry_reader.h"

namespace portcullis::proxy::assessment {
namespace {

using json = nlohmann::json;
using Parsed = boost::system::result<ManifestSummary, ManifestProblem>;

ManifestProblem problem(std::string message) { return ManifestProblem{std::move(message)}; }

bool is_image_type(std::string_view t) {
  return t == media_types::kOciManifest || t == media_types::kDockerManifest;
}
bool is_index_type(std::string_view t) {
  return t == media_types::kOciIndex || t == media_types::kDockerList;
}

const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string string_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// A descriptor, or a sentence naming `what` ("layer 2", "config").
boost::system::result<Descriptor, ManifestProblem> parse_descriptor(const json& j,
                                                                    const std::string& what) {
  if (!j.is_object()) return problem(what + " is not a JSON object");
  Descriptor d;
  const json* mt = member(j, "mediaType");
  if (!mt || !mt->is_string() || mt->get_ref<const std::string&>().empty())
    return problem(what + " has no mediaType");
  d.media_type = normalize_media_type(mt->get_ref<const std::string&>());
  const json* digest = member(j, "digest");
  if (!digest || !digest->is_string() || !is_valid_digest(digest->get_ref<const std::string&>()))
    return problem(what + " has a missing or malformed digest");
  d.digest = digest->get<std::string>();
  const json* size = member(j, "size");
  if (!size || !size->is_number_integer()) return problem(what + " has no integer size");
  if (size->is_number_unsigned()) {
    d.size = size->get<uint64_t>();
  } else {
    const auto s = size->get<int64_t>();
    if (s < 0) return problem(what + " has a negative size");
    d.size = static_cast<uint64_t>(s);
  }
  if (d.size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return problem(what + " has an impossible size");
  return d;
}

Parsed parse_image(const json& j, ManifestSummary s, const ManifestLimits& limits) {
  const json* config = member(j, "config");
  if (!config) return problem("the image manifest has no config");
  auto c = parse_descriptor(*config, "the config");
  if (!c) return c.error();
  s.config = std::move(*c);
  const json* layers = member(j, "layers");
  if (!layers || !layers->is_array()) return problem("the image manifest has no layers array");
  if (layers->size() > limits.max_layers)
    return problem("the image has " + std::to_string(layers->size()) +
                   " layers, more than the limit of " + std::to_string(limits.max_layers));
  for (size_t i = 0; i < layers->size(); ++i) {
    auto d = parse_descriptor((*layers)[i], "layer " + std::to_string(i + 1));
    if (!d) return d.error();
    s.layers.push_back(std::move(*d));
  }
  s.kind = ManifestKind::image;
  return s;
}

Parsed parse_index(const json& j, ManifestSummary s, const ManifestLimits& limits) {
  const json* manifests = member(j, "manifests");
  if (!manifests || !manifests->is_array()) return problem("the index has no manifests array");
  if (manifests->size() > limits.max_children)
    return problem("the index lists " + std::to_string(manifests->size()) +
                   " manifests, more than the limit of " + std::to_string(limits.max_children));
  for (size_t i = 0; i < manifests->size(); ++i) {
    const json& entry = (*manifests)[i];
    auto d = parse_descriptor(entry, "index entry " + std::to_string(i + 1));
    if (!d) return d.error();
    IndexChild child{std::move(*d), std::nullopt};
    if (const json* p = member(entry, "platform"); p && p->is_object()) {
      child.platform = Platform{string_member(*p, "os"), string_member(*p, "architecture"),
                                string_member(*p, "variant")};
    }
    s.children.push_back(std::move(child));
  }
  s.kind = ManifestKind::index;
  return s;
}

}  // namespace

std::string normalize_media_type(std::string_view content_type) {
  auto end = content_type.find(';');
  auto t = content_type.substr(0, end);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> ManifestSummary::referenced_digests() const {
  std::vector<std::string> out;
  if (kind == ManifestKind::image) {
    out.push_back(config.digest);
    for (const auto& l : layers) out.push_back(l.digest);
  } else if (kind == ManifestKind::index) {
    for (const auto& c : children) out.push_back(c.descriptor.digest);
  }
  return out;
}

Parsed parse_manifest(std::string_view bytes, std::string_view content_type,
                      const ManifestLimits& limits) {
  std::string error;
  auto parsed = parse_bounded_json(bytes, limits.max_depth, error);
  if (!parsed) return problem("the manifest is " + error);
  const json& j = *parsed;
  if (!j.is_object()) return problem("the manifest is not a JSON object");
  const json* version = member(j, "schemaVersion");
  if (!version || !version->is_number_integer())
    return problem("the manifest has no schemaVersion");
  if (version->get<int64_t>() == 1)
    return problem("Docker schema 1 manifests are not supported (deprecated and unsigned)");
  if (version->get<int64_t>() != 2)
    return problem("unsupported manifest schemaVersion " + std::to_string(version->get<int64_t>()));

  ManifestSummary s;
  s.media_type = normalize_media_type(string_member(j, "mediaType"));
  if (s.media_type.empty()) s.media_type = normalize_media_type(content_type);
  // Neither says: OCI allows omitting mediaType, so go by the shape.
  if (!is_image_type(s.media_type) && !is_index_type(s.media_type) && !member(j, "mediaType")) {
    if (member(j, "manifests"))
      s.media_type = media_types::kOciIndex;
    else if (member(j, "config"))
      s.media_type = media_types::kOciManifest;
  }
  if (is_image_type(s.media_type)) return parse_image(j, std::move(s), limits);
  if (is_index_type(s.media_type)) return parse_index(j, std::move(s), limits);
  if (s.media_type.empty()) return problem("the manifest has no media type");
  if (s.media_type.size() > 128) s.media_type = s.media_type.substr(0, 128) + "...";
  return problem("unsupported manifest media type \"" + s.media_type + "\"");
}

}  // namespace portcullis::proxy::assessment
