// The pattern flavours a Trust Manifest uses, each validated for what it
// matches and normalised the way image references are, so that a rule
// written as "nginx" or "index.docker.io/library/nginx" matches the
// canonical name "docker.io/library/nginx".
#pragma once

#include <string_view>

#include "policy/glob.h"
#include "policy/result.h"

namespace portcullis::policy {

// host[:port] with optional wildcards: "registry.corp.example", "*.corp.example".
// Literal hosts are canonicalised (lower case, Docker Hub aliases -> docker.io).
Result<Glob> compile_registry_pattern(std::string_view pattern);

// Matched against the full name "registry/repository":
//   "registry.corp.example/apps/**"  as written (first segment is a host)
//   "**/abc", "*.corp.example/x"     as written (first segment is a wildcard)
//   "nginx", "nginx*"                -> "docker.io/library/nginx..."
//   "bitnami/redis"                  -> "docker.io/bitnami/redis"
Result<Glob> compile_repository_pattern(std::string_view pattern);

// An absolute path in the image filesystem: "/usr/bin/nc*", "**/sshd".
Result<Glob> compile_path_pattern(std::string_view pattern);

// A cluster or namespace name: "prod-*", "payments".
Result<Glob> compile_name_pattern(std::string_view pattern);

}  // namespace portcullis::policy
