#include "proxy/oci/route.h"

#include <vector>

namespace portcullis::proxy::oci {
namespace {

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= s.size()) {
    const auto slash = s.find('/', start);
    const auto end = slash == std::string_view::npos ? s.size() : slash;
    parts.push_back(s.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string_view>& parts, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    if (i > from) out += '/';
    out += parts[i];
  }
  return out;
}

bool valid_segment(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (c <= ' ' || c == '%' || c == '?' || c == '#' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f)
      return false;
  return s != "." && s != "..";
}

}  // namespace

bool is_digest(std::string_view ref) {
  const auto colon = ref.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= ref.size()) return false;
  for (char c : ref.substr(0, colon))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '_' || c == '-'))
      return false;
  for (char c : ref.substr(colon + 1))
    if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == '=' || c == '_' ||
          c == '-' || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z')))
      return false;
  return true;
}

std::optional<Route> parse_route(std::string_view path) {
  if (path == "/v2" || path == "/v2/") return Route{Endpoint::Base, "", ""};
  if (path.substr(0, 4) != "/v2/") return std::nullopt;
  if (path == "/v2/_catalog") return Route{Endpoint::Catalog, "", ""};
  auto parts = split(path.substr(4));
  const size_t n = parts.size();
  for (const auto& p : parts)
    if (!valid_segment(p) && !(p.empty() && &p == &parts.back())) return std::nullopt;

  // Match the endpoint from the end, so repository names may contain any segment.
  if (n >= 3 && parts[n - 2] == "tags" && parts[n - 1] == "list")
    return Route{Endpoint::TagsList, join(parts, 0, n - 2), ""};
  if (n >= 4 && parts[n - 3] == "blobs" && parts[n - 2] == "uploads") {
    if (parts[n - 1].empty()) return Route{Endpoint::UploadStart, join(parts, 0, n - 3), ""};
    return Route{Endpoint::Upload, join(parts, 0, n - 3), std::string(parts[n - 1])};
  }
  if (n >= 3 && parts[n - 1].empty()) return std::nullopt;
  if (n >= 3 && parts[n - 2] == "manifests")
    return Route{Endpoint::Manifest, join(parts, 0, n - 2), std::string(parts[n - 1])};
  if (n >= 3 && parts[n - 2] == "blobs" && is_digest(parts[n - 1]))
    return Route{Endpoint::Blob, join(parts, 0, n - 2), std::string(parts[n - 1])};
  if (n >= 3 && parts[n - 2] == "referrers" && is_digest(parts[n - 1]))
    return Route{Endpoint::Referrers, join(parts, 0, n - 2), std::string(parts[n - 1])};
  return std::nullopt;
}

std::string route_path(const Route& route, std::string_view name) {
  std::string base = "/v2/";
  base += name;
  switch (route.endpoint) {
    case Endpoint::Base: return "/v2/";
    case Endpoint::Catalog: return "/v2/_catalog";
    case Endpoint::TagsList: return base + "/tags/list";
    case Endpoint::Manifest: return base + "/manifests/" + route.reference;
    case Endpoint::Blob: return base + "/blobs/" + route.reference;
    case Endpoint::UploadStart: return base + "/blobs/uploads/";
    case Endpoint::Upload: return base + "/blobs/uploads/" + route.reference;
    case Endpoint::Referrers: return base + "/referrers/" + route.reference;
  }
  return base;
}

}  // namespace portcullis::proxy::oci
