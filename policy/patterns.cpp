#include "policy/patterns.h"

#include <cctype>
#include <string>

#include "policy/image_reference.h"

namespace portcullis::policy {
namespace {

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

std::string dq(std::string_view s) { return "\"" + std::string(s) + "\""; }

Result<Glob> invalid(std::string_view pattern, const std::string& why) {
  return Result<Glob>::failure("invalid pattern " + dq(pattern) + ": " + why);
}

// The characters a registry host[:port] may hold, plus wildcards.
bool host_char(char c) {
  return std::islower(static_cast<unsigned char>(c)) ||
         std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
         c == '*' || c == '?';
}

}  // namespace

Result<Glob> compile_registry_pattern(std::string_view pattern) {
  if (pattern.find('/') != std::string_view::npos)
    return invalid(pattern, "a registry is a host[:port] without a path");
  std::string host = canonical_registry(pattern);
  if (host.empty()) return invalid(pattern, "it is empty");
  for (char c : host)
    if (!host_char(c))
      return invalid(pattern, "'" + std::string(1, c) + "' cannot appear in a registry host");
  if (!has_wildcard(host) && !is_valid_registry(host))
    return invalid(pattern, "it is not a valid registry host[:port]");
  auto glob = Glob::compile(host, GlobKind::Segment);
  if (!glob) return invalid(pattern, glob.error());
  return glob;
}

Result<Glob> compile_repository_pattern(std::string_view pattern) {
  if (pattern.empty()) return invalid(pattern, "it is empty");
  std::string full;
  size_t slash = pattern.find('/');
  std::string_view first = pattern.substr(0, slash);
  if (pattern == "**" || pattern.starts_with("**/")) {
    full = std::string(pattern);
  } else if (slash == std::string_view::npos) {
    full = "docker.io/library/" + std::string(pattern);
  } else if (has_wildcard(first) || first.find_first_of(".:") != std::string_view::npos ||
             first == "localhost") {
    std::string host = canonical_registry(first);
    if (!has_wildcard(host) && !is_valid_registry(host))
      return invalid(pattern, dq(first) + " is not a valid registry host[:port]");
    for (char c : host)
      if (!host_char(c))
        return invalid(pattern, "'" + std::string(1, c) + "' cannot appear in a registry host");
    full = host + std::string(pattern.substr(slash));
  } else {
    full = "docker.io/" + std::string(pattern);
  }
  // The path part follows the repository grammar, with wildcards.
  size_t path_start = full.starts_with("**") ? 0 : full.find('/') + 1;
  for (char c : std::string_view(full).substr(path_start)) {
    if (std::isupper(static_cast<unsigned char>(c)))
      return invalid(pattern, "repository names are lower case");
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' &&
        c != '/' && c != '*' && c != '?')
      return invalid(pattern, "'" + std::string(1, c) + "' cannot appear in a repository name");
  }
  if (full.find("//") != std::string::npos || full.ends_with("/"))
    return invalid(pattern, "it has an empty path segment");
  auto glob = Glob::compile(full, GlobKind::Path);
  if (!glob) return invalid(pattern, glob.error());
  return glob;
}

Result<Glob> compile_path_pattern(std::string_view pattern) {
  if (!pattern.starts_with("/") && !pattern.starts_with("**"))
    return invalid(pattern, "file paths are absolute: start it with '/' (or '**/')");
  auto glob = Glob::compile(pattern, GlobKind::Path);
  if (!glob) return invalid(pattern, glob.error());
  return glob;
}

Result<Glob> compile_name_pattern(std::string_view pattern) {
  for (char c : pattern)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_' &&
        c != '*' && c != '?')
      return invalid(pattern, "'" + std::string(1, c) + "' cannot appear in a name");
  auto glob = Glob::compile(pattern, GlobKind::Segment);
  if (!glob) return invalid(pattern, glob.error());
  return glob;
}

}  // namespace portcullis::policy
