// Parses an image manifest or index (OCI, Docker v2) into a ManifestSummary.
// Bounded: JSON depth, layer and child counts. Docker schema 1 and other
// media types are refused with a sentence saying so.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "proxy/assessment/assessment.h"

namespace portcullis::proxy::assessment {

namespace media_types {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
}  // namespace media_types

struct ManifestLimits {
  size_t max_layers = 256;     // docker and overlayfs stop at 127/128
  size_t max_children = 1024;  // platforms in an index
  size_t max_depth = 32;       // JSON nesting
};

// A sentence (without the manifest's name) saying what is wrong.
struct ManifestProblem {
  std::string message;
};

// `content_type` is the response's Content-Type, used only when the manifest
// has no mediaType field.
boost::system::result<ManifestSummary, ManifestProblem> parse_manifest(
    std::string_view bytes, std::string_view content_type, const ManifestLimits& limits = {});

// Strips parameters and case: "Application/JSON; charset=utf-8" -> "application/json".
std::string normalize_media_type(std::string_view content_type);

}  // namespace portcullis::proxy::assessment
