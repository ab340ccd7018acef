// Tag -> digest at the upstream, with one HEAD (falling back to a GET when
// the registry sends no Docker-Content-Digest). Pull and push ask the
// upstream every time (the tag may have moved); deploy-time lookups may use
// a short TTL cache, because the API server asks about the same tags in bursts.
#pragma once

#include <chrono>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "proxy/assessment/error.h"
#include "proxy/net/asio.h"
#include "proxy/registry/upstreams.h"

namespace portcullis::proxy::judge {

struct TagResolverOptions {
  std::chrono::milliseconds ttl{30'000};
  size_t capacity = 10'000;
  uint64_t max_manifest_bytes = 4u << 20;
  std::chrono::milliseconds timeout{30'000};
};

class TagResolver {
 public:
  explicit TagResolver(upstream::ConnectionPool& pool, TagResolverOptions options = {})
      : pool_(pool), options_(options) {}

  awaitable<assessment::Result<std::string>> resolve(registry::UpstreamRuntime& upstream,
                                                     std::string repository, std::string tag,
                                                     bool use_cache);

 private:
  struct Entry {
    std::string digest;
    std::chrono::steady_clock::time_point expires;
    std::list<std::string>::iterator order;
  };
  std::optional<std::string> cached(const std::string& key);
  void store(const std::string& key, const std::string& digest);

  upstream::ConnectionPool& pool_;
  TagResolverOptions options_;
  std::mutex mutex_;
  std::list<std::string> order_;  // most recent first
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace portcullis::proxy::judge
