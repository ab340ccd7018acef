// Image references as containerd and Docker normalise them: "nginx" means
// "docker.io/library/nginx:latest". Validation follows the OCI distribution
// grammar, so names that reach a rule are canonical and cannot dodge it by
// spelling (index.docker.io, upper-case hosts, missing "library/").
#pragma once

#include <string>
#include <string_view>

#include "policy/result.h"

namespace portcullis::policy {

struct ImageReference {
  std::string registry;    // canonical host[:port], lower case; "docker.io" for Docker Hub
  std::string repository;  // path below the registry: "library/nginx"
  std::string tag;         // "latest" when neither tag nor digest was given; empty if digest only
  std::string digest;      // "sha256:<hex>" or empty

  std::string name() const;       // "docker.io/library/nginx"
  std::string to_string() const;  // name[:tag][@digest]
  bool operator==(const ImageReference&) const = default;
};

// Parses and normalises a reference such as "nginx", "quay.io/org/app:1.2",
// "harbor.corp.example:8443/apps/api:1.0@sha256:<64 hex>".
Result<ImageReference> parse_image_reference(std::string_view text);

// Builds a reference from the parts the proxy sees in a /v2/ request: the
// upstream host, the repository path and the tag-or-digest. The registry is
// canonicalised and Docker Hub single names get "library/".
Result<ImageReference> make_image_reference(std::string_view registry, std::string_view repository,
                                            std::string_view tag_or_digest);

// Lower-cases a registry host[:port] and folds Docker Hub's aliases
// (index.docker.io, registry-1.docker.io) to "docker.io".
std::string canonical_registry(std::string_view host);

bool is_valid_registry(std::string_view host);          // host[:port]
bool is_valid_repository(std::string_view repository);  // "library/nginx"
bool is_valid_tag(std::string_view tag);
bool is_valid_digest(std::string_view digest);  // sha256:<64 hex>, sha512:<128 hex>

}  // namespace portcullis::policy
