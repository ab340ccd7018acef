// Which upstream a request is for: ?ns= (containerd), a path prefix
// /v2/<host>/<repo> (CRI-O, podman), or the listener's default. The name is a
// lookup key into the configured upstreams, never a dial target.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace portcullis::proxy::oci {

enum class AddressMode { Namespace, PathPrefix, Default };

struct Addressed {
  size_t upstream = 0;        // index into the configured upstreams
  AddressMode mode = AddressMode::Default;
  std::string client_prefix;  // ns value or path prefix exactly as the client sent it
  std::string repository;     // the repository name at the upstream
};

struct AddressingError {
  std::string message;  // for a DENIED body: names the approved registries
};

// docker.io, index.docker.io and registry-1.docker.io are one registry.
std::string canonical_registry(std::string_view host);

// True if a first path component names a registry host rather than a repository.
bool looks_like_registry_host(std::string_view component);

class UpstreamDirectory {
 public:
  explicit UpstreamDirectory(std::vector<std::string> names);

  std::optional<size_t> find(std::string_view host) const;
  std::string approved_list() const;  // "a, b, c"

  // `name` is the repository part of the path (may be empty for /v2/ and _catalog).
  std::variant<Addressed, AddressingError> resolve(std::optional<std::string_view> ns,
                                                   std::string_view name,
                                                   std::string_view default_upstream) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::string> canonical_;
};

// Rewrites a Location (or Link target) from the upstream so that the client
// comes back through the proxy with the same addressing. URLs on other hosts
// (e.g. storage redirects) are returned unchanged.
std::string rewrite_location(std::string_view location, std::string_view upstream_origin,
                             const Addressed& addressed);

// Rewrites every <url> inside a Link header value.
std::string rewrite_link_header(std::string_view link, std::string_view upstream_origin,
                                const Addressed& addressed);

}  // namespace portcullis::proxy::oci
