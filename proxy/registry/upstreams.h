// The configured upstream registries at run time: where each is, and how
// Portcullis authenticates to it.
#pragma once

#include <memory>
#include <vector>

#include "config/daemon_config.h"
#include "proxy/oci/addressing.h"
#include "proxy/upstream/registry_auth.h"

namespace portcullis::proxy::registry {

struct UpstreamRuntime {
  config::Upstream config;
  upstream::Origin origin;
  std::unique_ptr<upstream::RegistryAuth> auth;
};

class Upstreams {
 public:
  // Throws at start-up on a bad URL or CA file.
  Upstreams(const std::vector<config::Upstream>& configs, upstream::ConnectionPool& pool,
            upstream::FetchLimits limits);

  UpstreamRuntime& at(size_t index) { return *entries_.at(index); }
  size_t size() const { return entries_.size(); }
  const oci::UpstreamDirectory& directory() const { return directory_; }
  upstream::ConnectionPool& pool() { return pool_; }

 private:
  std::vector<std::unique_ptr<UpstreamRuntime>> entries_;
  oci::UpstreamDirectory directory_;
  upstream::ConnectionPool& pool_;
};

}  // namespace portcullis::proxy::registry
