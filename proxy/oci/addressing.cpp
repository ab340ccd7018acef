#include "proxy/oci/addressing.h"

#include <boost/url.hpp>

#include <algorithm>

namespace portcullis::proxy::oci {

std::string canonical_registry(std::string_view host) {
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  if (h == "index.docker.io" || h == "registry-1.docker.io" || h == "docker.io") return "docker.io";
  return h;
}

bool looks_like_registry_host(std::string_view c) {
  return c == "localhost" || c.find('.') != std::string_view::npos || c.find(':') != std::string_view::npos;
}

UpstreamDirectory::UpstreamDirectory(std::vector<std::string> names) : names_(std::move(names)) {
  for (const auto& n : names_) canonical_.push_back(canonical_registry(n));
}

std::optional<size_t> UpstreamDirectory::find(std::string_view host) const {
  const auto c = canonical_registry(host);
  for (size_t i = 0; i < canonical_.size(); ++i)
    if (canonical_[i] == c) return i;
  return std::nullopt;
}

std::string UpstreamDirectory::approved_list() const {
  std::string out;
  for (const auto& n : names_) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::variant<Addressed, AddressingError> UpstreamDirectory::resolve(
    std::optional<std::string_view> ns, std::string_view name, std::string_view default_upstream) const {
  auto refuse = [&](std::string_view host) {
    return AddressingError{"registry " + std::string(host) +
                           " is not approved by this proxy; approved registries: " + approved_list()};
  };
  if (ns) {
    const auto idx = find(*ns);
    if (!idx) return refuse(*ns);
    return Addressed{*idx, AddressMode::Namespace, std::string(*ns), std::string(name)};
  }
  const auto slash = name.find('/');
  const auto first = name.substr(0, slash);
  if (slash != std::string_view::npos && looks_like_registry_host(first)) {
    const auto idx = find(first);
    if (!idx) return refuse(first);
    return Addressed{*idx, AddressMode::PathPrefix, std::string(first), std::string(name.substr(slash + 1))};
  }
  if (!default_upstream.empty()) {
    if (const auto idx = find(default_upstream))
      return Addressed{*idx, AddressMode::Default, "", std::string(name)};
  }
  return AddressingError{"no registry named in the request (use ?ns=<registry> or /v2/<registry>/<repository>); "
                         "approved registries: " +
                         approved_list()};
}

namespace {

// Maps an upstream path (/v2/<repo>/...) to the path the client uses.
std::string client_path(std::string_view path, const Addressed& a) {
  if (a.mode != AddressMode::PathPrefix || path.substr(0, 4) != "/v2/") return std::string(path);
  return "/v2/" + a.client_prefix + "/" + std::string(path.substr(4));
}

}  // namespace

std::string rewrite_location(std::string_view location, std::string_view upstream_origin,
                             const Addressed& a) {
  auto parsed = boost::urls::parse_uri_reference(location);
  if (!parsed) return std::string(location);
  boost::urls::url url = *parsed;
  if (url.has_authority()) {
    auto origin = boost::urls::parse_uri(upstream_origin);
    if (!origin) return std::string(location);
    const bool same_host = url.host() == origin->host() && url.port() == origin->port();
    if (!same_host) return std::string(location);  // e.g. a storage redirect
  }
  boost::urls::url out;
  out.set_encoded_path(client_path(url.encoded_path(), a));
  if (url.has_query()) out.set_encoded_query(url.encoded_query());
  if (a.mode == AddressMode::Namespace) out.params().set("ns", a.client_prefix);
  return std::string(out.buffer());
}

std::string rewrite_link_header(std::string_view link, std::string_view upstream_origin, const Addressed& a) {
  std::string out;
  size_t pos = 0;
  while (pos < link.size()) {
    const auto open = link.find('<', pos);
    const auto close = open == std::string_view::npos ? open : link.find('>', open);
    if (close == std::string_view::npos) {
      out += link.substr(pos);
      break;
    }
    out += link.substr(pos, open + 1 - pos);
    out += rewrite_location(link.substr(open + 1, close - open - 1), upstream_origin, a);
    pos = close;
  }
  return out;
}

}  // namespace portcullis::proxy::oci
