// Internal: the OCI image manifest and image config as containers/image 5.x
// holds them (opencontainers/image-spec v1.1.0-rc2 Go structs), so that a
// signature manifest we append to is re-serialised exactly as containers/image
// re-serialises it: Go field order, omitempty, sorted maps, unknown fields
// dropped. Verified against skopeo 1.9.3 (containers/image 5.23.1).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signing/result.h"

namespace portcullis::signing::oci {

struct Platform {
  std::string architecture;
  std::string os;
  std::string os_version;
  std::vector<std::string> os_features;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::string data;  // base64 as in the document
  std::optional<Platform> platform;
  std::string artifact_type;
};

struct Manifest {
  int64_t schema_version = 2;
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
};

struct History {
  std::optional<std::string> created;  // Go time.Time, re-formatted
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
};

struct ImageConfig {
  std::string user;
  std::vector<std::string> exposed_ports;  // map[string]struct{} keys, sorted
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> volumes;  // map[string]struct{} keys, sorted
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  bool args_escaped = false;
};

struct Image {
  std::optional<std::string> created;
  std::string author;
  std::string architecture;
  std::string variant;
  std::string os;
  std::string os_version;
  std::vector<std::string> os_features;
  ImageConfig config;
  std::string rootfs_type;
  std::optional<std::vector<std::string>> diff_ids;  // nullopt serialises as null
  std::vector<History> history;
};

Result<Manifest> parse_manifest(const nlohmann::json& doc);
std::string serialize(const Manifest& m);
Result<Image> parse_image(const nlohmann::json& doc);
std::string serialize(const Image& img);

// Go's time.Time JSON round trip of an RFC 3339 timestamp: fractional
// seconds without trailing zeros, a zero offset written as "Z".
Result<std::string> go_time_roundtrip(std::string_view rfc3339);

}  // namespace portcullis::signing::oci
