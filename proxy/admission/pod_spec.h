// Where images sit in the objects the webhook is sent: the pod spec of a Pod
// or of a workload's pod template, and in it `containers`, `initContainers`
// and `ephemeralContainers`. Each image comes with its JSON Pointer (for a
// patch) and its Kubernetes field path (for messages).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/result.h"

namespace portcullis::proxy::admission {

struct ContainerImage {
  std::string list;     // "containers", "initContainers" or "ephemeralContainers"
  std::string name;     // the container's name ("" if it has none)
  std::string image;    // as written in the spec
  std::string pointer;  // RFC 6901 pointer to the image field: "/spec/containers/0/image"
  std::string field;    // "spec.containers[0].image"
};

// The keys leading from the object to its pod spec, or nullopt for a kind
// that has none. Pod: spec; Deployment, ReplicaSet, StatefulSet, DaemonSet,
// Job, ReplicationController: spec.template.spec; CronJob:
// spec.jobTemplate.spec.template.spec; PodTemplate: template.spec; the
// EphemeralContainers object of Kubernetes 1.16-1.21: the object itself.
std::optional<std::vector<std::string_view>> pod_spec_path(std::string_view kind);

// Every container image of `object` (a `kind`), in spec order. Containers
// without an image are skipped (the API server rejects them itself). A spec
// of the wrong shape, or a list longer than `max_per_list`, is an error.
policy::Result<std::vector<ContainerImage>> extract_images(const nlohmann::json& object,
                                                           std::string_view kind,
                                                           size_t max_per_list);

// UPDATE: the images of `now` that `before` did not already run (compared as
// written); unchanged images were admitted before and need no lookup.
std::vector<ContainerImage> changed_images(std::vector<ContainerImage> now,
                                           const std::vector<ContainerImage>& before);

// One RFC 6901 reference token: "~" -> "~0", "/" -> "~1".
std::string escape_pointer_token(std::string_view token);

}  // namespace portcullis::proxy::admission
