#include "proxy/judge/tag_resolver.h"

#include "proxy/assessment/registry_reader.h"
#include "proxy/store/digest.h"
#include "proxy/upstream/authorized_fetch.h"

namespace portcullis::proxy::judge {
namespace {

using assessment::Errc;
using assessment::make_error;

assessment::Error status_error(const registry::UpstreamRuntime& up, http::status status,
                               const std::string& what) {
  if (status == http::status::not_found)
    return make_error(Errc::not_found, what + " is not in " + up.config.name);
  if (status == http::status::unauthorized || status == http::status::forbidden)
    return make_error(Errc::unauthorized, up.config.name + " refused access to " + what);
  return make_error(Errc::upstream, up.config.name + " answered " +
                                        std::to_string(static_cast<unsigned>(status)) + " for " +
                                        what);
}

}  // namespace

std::optional<std::string> TagResolver::cached(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() >= it->second.expires) {
    order_.erase(it->second.order);
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.digest;
}

void TagResolver::store(const std::string& key, const std::string& digest) {
  std::lock_guard lock(mutex_);
  const auto expires = std::chrono::steady_clock::now() + options_.ttl;
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.digest = digest;
    it->second.expires = expires;
    order_.splice(order_.begin(), order_, it->second.order);
    return;
  }
  order_.push_front(key);
  entries_.emplace(key, Entry{digest, expires, order_.begin()});
  while (entries_.size() > options_.capacity) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
}

awaitable<assessment::Result<std::string>> TagResolver::resolve(registry::UpstreamRuntime& up,
                                                                std::string repository,
                                                                std::string tag, bool use_cache) {
  const std::string what = repository + ":" + tag;
  if (!assessment::is_valid_repository(repository) || !assessment::is_valid_tag(tag))
    co_return make_error(Errc::invalid, "invalid repository or tag: " + what);
  const std::string key = up.origin.key() + "/" + what;
  if (use_cache) {
    if (auto digest = cached(key)) co_return *digest;
  }
  const std::string target = "/v2/" + repository + "/manifests/" + tag;
  upstream::FetchLimits limits{options_.max_manifest_bytes, 16 * 1024, options_.timeout};
  const std::string scopes = upstream::repository_scope(repository, "pull");

  std::string digest;
  for (auto method : {http::verb::head, http::verb::get}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::accept, assessment::kManifestAccept);
    auto res = co_await upstream::authorized_fetch(pool_, up.origin, *up.auth, scopes,
                                                   std::move(req), limits);
    if (!res)
      co_return make_error(Errc::upstream,
                           up.config.name + " could not be reached: " + res.error().message());
    if (res->result() != http::status::ok) co_return status_error(up, res->result(), what);
    digest = std::string((*res)["Docker-Content-Digest"]);
    if (method == http::verb::get && (digest.empty() || !assessment::is_valid_digest(digest)))
      digest = store::sha256_digest(res->body());
    if (!digest.empty() && assessment::is_valid_digest(digest)) break;
  }
  store(key, digest);
  co_return digest;
}

}  // namespace portcullis::proxy::judge
