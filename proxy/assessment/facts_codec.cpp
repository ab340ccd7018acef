#include "proxy/assessment/facts_codec.h"

#include "policy/facts_json.h"
#include "proxy/assessment/bounded_json.h"

namespace portcullis::proxy::assessment {
namespace {

using json = nlohmann::json;

std::string_view kind_name(ManifestKind k) {
  switch (k) {
    case ManifestKind::image:
      return "image";
    case ManifestKind::index:
      return "index";
    default:
      return "unknown";
  }
}

ManifestKind kind_from(std::string_view s) {
  if (s == "image") return ManifestKind::image;
  if (s == "index") return ManifestKind::index;
  return ManifestKind::unknown;
}

json descriptor_json(const Descriptor& d) {
  return {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
}

// Values come from our own encoder; a damaged one throws json::exception,
// which decode_assessment turns into a miss.
Descriptor descriptor_from(const json& j) {
  return {j.at("mediaType").get<std::string>(), j.at("digest").get<std::string>(),
          j.at("size").get<uint64_t>()};
}

}  // namespace

std::string encode_assessment(const Assessment& a, std::string_view facts_revision) {
  json out = policy::facts_to_json(a.facts);
  const ManifestSummary& m = a.manifest;
  json manifest = {{"kind", kind_name(m.kind)}, {"mediaType", m.media_type}};
  if (m.kind == ManifestKind::image) {
    manifest["config"] = descriptor_json(m.config);
    json layers = json::array();
    for (const auto& l : m.layers) layers.push_back(descriptor_json(l));
    manifest["layers"] = std::move(layers);
  }
  if (m.kind == ManifestKind::index) {
    json children = json::array();
    for (const auto& c : m.children) {
      json cj = descriptor_json(c.descriptor);
      if (c.platform)
        cj["platform"] = {{"os", c.platform->os},
                          {"architecture", c.platform->architecture},
                          {"variant", c.platform->variant}};
      children.push_back(std::move(cj));
    }
    manifest["children"] = std::move(children);
  }
  out["assessment"] = {{"factsRevision", facts_revision}, {"manifest", std::move(manifest)}};
  return out.dump();
}

std::optional<Assessment> decode_assessment(std::string_view bytes) {
  std::string error;
  auto j = parse_bounded_json(bytes, policy::kMaxFactsJsonDepth, error);
  if (!j || !j->is_object()) return std::nullopt;
  auto facts = policy::facts_from_json(*j);
  if (!facts) return std::nullopt;
  Assessment a;
  a.facts = std::move(*facts);
  try {
    const json& m = j->at("assessment").at("manifest");
    a.manifest.kind = kind_from(m.at("kind").get<std::string>());
    a.manifest.media_type = m.at("mediaType").get<std::string>();
    if (a.manifest.kind == ManifestKind::image) {
      a.manifest.config = descriptor_from(m.at("config"));
      for (const auto& l : m.at("layers")) a.manifest.layers.push_back(descriptor_from(l));
    }
    if (a.manifest.kind == ManifestKind::index) {
      for (const auto& c : m.at("children")) {
        IndexChild child{descriptor_from(c), std::nullopt};
        if (auto p = c.find("platform"); p != c.end())
          child.platform =
              Platform{p->at("os").get<std::string>(), p->at("architecture").get<std::string>(),
                       p->at("variant").get<std::string>()};
        a.manifest.children.push_back(std::move(child));
      }
    }
  } catch (const json::exception&) {
    return std::nullopt;
  }
  a.from_cache = true;
  a.cached = true;
  return a;
}

}  // namespace portcullis::proxy::assessment
