// Classifies a request path under /v2/ into an OCI distribution endpoint.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portcullis::proxy::oci {

enum class Endpoint {
  Base,         // /v2/
  Catalog,      // /v2/_catalog
  TagsList,     // /v2/<name>/tags/list
  Manifest,     // /v2/<name>/manifests/<reference>
  Blob,         // /v2/<name>/blobs/<digest>
  UploadStart,  // /v2/<name>/blobs/uploads/
  Upload,       // /v2/<name>/blobs/uploads/<id>
  Referrers,    // /v2/<name>/referrers/<digest>
};

struct Route {
  Endpoint endpoint = Endpoint::Base;
  std::string name;       // repository as the client wrote it (may start with a registry host)
  std::string reference;  // tag or digest, blob digest, or upload id
};

// nullopt: not an OCI path (or a malformed one).
std::optional<Route> parse_route(std::string_view path);

bool is_digest(std::string_view reference);

// The path of this endpoint for another repository name (used when rewriting).
std::string route_path(const Route& route, std::string_view name);

}  // namespace portcullis::proxy::oci
