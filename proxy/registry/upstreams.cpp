#include "proxy/registry/upstreams.h"

#include <fstream>
#include <stdexcept>

namespace portcullis::proxy::registry {
namespace {

std::vector<std::string> names_of(const std::vector<config::Upstream>& configs) {
  std::vector<std::string> names;
  for (const auto& c : configs) names.push_back(c.name);
  return names;
}

std::string password_of(const config::UpstreamAuth& auth, const std::string& upstream) {
  if (auth.password_file.empty()) return auth.password;
  std::ifstream in(auth.password_file);
  std::string line;
  if (!in || !std::getline(in, line))
    throw std::runtime_error("upstream " + upstream + ": cannot read passwordFile " +
                             auth.password_file);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Upstreams::Upstreams(const std::vector<config::Upstream>& configs, upstream::ConnectionPool& pool,
                     upstream::FetchLimits limits)
    : directory_(names_of(configs)), pool_(pool) {
  for (const auto& c : configs) {
    auto entry = std::make_unique<UpstreamRuntime>();
    entry->config = c;
    std::shared_ptr<ssl::context> tls;
    if (c.url.rfind("https://", 0) == 0)
      tls = upstream::make_client_tls_context(c.ca, c.insecure_skip_verify);
    auto origin = upstream::parse_origin(c.url, tls);
    if (!origin) throw std::runtime_error("upstream " + c.name + ": cannot use url " + c.url);
    entry->origin = *origin;
    std::optional<upstream::Credentials> creds;
    if (c.auth) creds = upstream::Credentials{c.auth->username, password_of(*c.auth, c.name)};
    entry->auth = std::make_unique<upstream::RegistryAuth>(entry->origin, creds, pool, limits);
    entries_.push_back(std::move(entry));
  }
}

}  // namespace portcullis::proxy::registry
