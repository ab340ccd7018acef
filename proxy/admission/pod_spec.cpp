#include "proxy/admission/pod_spec.h"

#include <array>
#include <unordered_set>

namespace portcullis::proxy::admission {

namespace {

using Json = nlohmann::json;
using policy::Result;

constexpr std::array<std::string_view, 3> kLists = {"containers", "initContainers",
                                                    "ephemeralContainers"};

std::string join_field(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

}  // namespace

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::optional<std::vector<std::string_view>> pod_spec_path(std::string_view kind) {
  using Path = std::vector<std::string_view>;
  if (kind == "Pod") return Path{"spec"};
  if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" ||
      kind == "DaemonSet" || kind == "Job" || kind == "ReplicationController")
    return Path{"spec", "template", "spec"};
  if (kind == "CronJob") return Path{"spec", "jobTemplate", "spec", "template", "spec"};
  if (kind == "PodTemplate") return Path{"template", "spec"};
  if (kind == "EphemeralContainers") return Path{};
  return std::nullopt;
}

Result<std::vector<ContainerImage>> extract_images(const Json& object, std::string_view kind,
                                                   size_t max_per_list) {
  using R = Result<std::vector<ContainerImage>>;
  std::vector<ContainerImage> out;
  const auto path = pod_spec_path(kind);
  if (!path || !object.is_object()) return out;

  const Json* spec = &object;
  std::string pointer;
  std::string field;
  for (const auto key : *path) {
    const auto it = spec->find(key);
    // A template without a spec has no containers; the API server rejects it itself.
    if (it == spec->end() || it->is_null()) return out;
    field = join_field(field, key);
    if (!it->is_object()) return R::failure(field + " must be an object");
    pointer += "/" + escape_pointer_token(key);
    spec = &*it;
  }

  for (const auto list : kLists) {
    const auto it = spec->find(list);
    if (it == spec->end() || it->is_null()) continue;
    const std::string list_field = join_field(field, list);
    if (!it->is_array()) return R::failure(list_field + " must be a list");
    if (it->size() > max_per_list)
      return R::failure(list_field + " has more than " + std::to_string(max_per_list) +
                        " containers");
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& container = (*it)[i];
      const std::string at = list_field + "[" + std::to_string(i) + "]";
      if (!container.is_object()) return R::failure(at + " must be an object");
      ContainerImage c;
      c.list = std::string(list);
      if (const auto name = container.find("name"); name != container.end() && name->is_string())
        c.name = name->get<std::string>();
      const auto image = container.find("image");
      if (image == container.end() || image->is_null()) continue;
      if (!image->is_string()) return R::failure(at + ".image must be a string");
      c.image = image->get<std::string>();
      if (c.image.empty()) continue;
      c.pointer = pointer + "/" + escape_pointer_token(list) + "/" + std::to_string(i) + "/image";
      c.field = at + ".image";
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<ContainerImage> changed_images(std::vector<ContainerImage> now,
                                           const std::vector<ContainerImage>& before) {
  std::unordered_set<std::string_view> seen;
  for (const auto& c : before) seen.insert(c.image);
  std::vector<ContainerImage> out;
  for (auto& c : now)
    if (!seen.contains(c.image)) out.push_back(std::move(c));
  return out;
}

}  // namespace portcullis::proxy::admission
