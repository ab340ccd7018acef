#include "proxy/upstream/registry_auth.h"

#include <openssl/evp.h>

#include <boost/url.hpp>
#include <nlohmann/json.hpp>

#include "proxy/upstream/www_authenticate.h"

namespace portcullis::proxy::upstream {
namespace {

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

std::vector<std::string> split_scopes(const std::string& scopes) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < scopes.size()) {
    auto end = scopes.find(' ', start);
    if (end == std::string::npos) end = scopes.size();
    if (end > start) out.push_back(scopes.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string repository_scope(std::string_view repository, std::string_view actions) {
  return "repository:" + std::string(repository) + ":" + std::string(actions);
}

RegistryAuth::RegistryAuth(Origin origin, std::optional<Credentials> credentials, ConnectionPool& pool,
                           FetchLimits limits)
    : origin_(std::move(origin)), credentials_(std::move(credentials)), pool_(pool), limits_(limits) {}

std::string RegistryAuth::basic_header() const {
  if (!credentials_) return "";
  return "Basic " + base64(credentials_->username + ":" + credentials_->password);
}

void RegistryAuth::learn(std::string_view www_authenticate) {
  auto challenges = parse_www_authenticate(www_authenticate);
  std::lock_guard lock(mutex_);
  if (!challenges) return;
  for (const auto& c : *challenges) {
    if (c.scheme == "bearer" && !c.param("realm").empty()) {
      scheme_ = Scheme::Bearer;
      realm_ = c.param("realm");
      service_ = c.param("service");
      return;
    }
  }
  for (const auto& c : *challenges)
    if (c.scheme == "basic") scheme_ = Scheme::Basic;
}

awaitable<boost::system::result<std::string>> RegistryAuth::authorization(const std::string& scopes) {
  Scheme scheme;
  {
    std::lock_guard lock(mutex_);
    scheme = scheme_;
  }
  if (scheme == Scheme::Unknown) {
    http::request<http::string_body> probe{http::verb::get, "/v2/", 11};
    auto res = co_await fetch(pool_, origin_, std::move(probe), limits_);
    if (!res) co_return res.error();
    if (res->result() == http::status::unauthorized) {
      learn(res->base()[http::field::www_authenticate]);
    }
    std::lock_guard lock(mutex_);
    if (scheme_ == Scheme::Unknown) scheme_ = Scheme::Anonymous;
    scheme = scheme_;
  }
  switch (scheme) {
    case Scheme::Basic: co_return basic_header();
    case Scheme::Bearer: co_return co_await fetch_token(scopes);
    default: co_return std::string();
  }
}

awaitable<boost::system::result<std::string>> RegistryAuth::fetch_token(const std::string& scopes) {
  std::string realm, service;
  {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(scopes);
    if (it != tokens_.end() && std::chrono::steady_clock::now() < it->second.expires)
      co_return "Bearer " + it->second.value;
    realm = realm_;
    service = service_;
  }
  auto realm_url = boost::urls::parse_absolute_uri(realm);
  if (!realm_url) co_return realm_url.error();
  auto realm_origin = parse_origin(realm, origin_.ssl_ctx);
  if (!realm_origin) co_return realm_origin.error();
  boost::urls::url target;
  target.set_encoded_path(realm_url->encoded_path().empty() ? "/" : realm_url->encoded_path());
  if (realm_url->has_query()) target.set_encoded_query(realm_url->encoded_query());
  if (!service.empty()) target.params().append({"service", service});
  for (const auto& s : split_scopes(scopes)) target.params().append({"scope", s});

  http::request<http::string_body> req{http::verb::get, std::string(target.buffer()), 11};
  if (credentials_) req.set(http::field::authorization, basic_header());
  ++token_requests_;
  auto res = co_await fetch(pool_, *realm_origin, std::move(req), limits_);
  if (!res) co_return res.error();
  if (res->result() != http::status::ok) co_return make_error_code(boost::system::errc::permission_denied);
  auto body = nlohmann::json::parse(res->body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) co_return make_error_code(boost::system::errc::bad_message);
  std::string token;
  if (body.contains("token") && body["token"].is_string()) token = body["token"];
  else if (body.contains("access_token") && body["access_token"].is_string()) token = body["access_token"];
  if (token.empty()) co_return make_error_code(boost::system::errc::bad_message);
  long lifetime = 60;  // the distribution token spec's default
  if (body.contains("expires_in") && body["expires_in"].is_number_integer()) lifetime = body["expires_in"];
  lifetime = std::max(1L, lifetime - std::min(30L, lifetime / 10));  // renew a little early
  std::lock_guard lock(mutex_);
  tokens_[scopes] = Token{token, std::chrono::steady_clock::now() + std::chrono::seconds(lifetime)};
  co_return "Bearer " + token;
}

std::string RegistryAuth::on_unauthorized(const std::string& scopes, std::string_view www_authenticate) {
  learn(www_authenticate);
  std::string retry_scopes = scopes;
  if (auto challenges = parse_www_authenticate(www_authenticate)) {
    for (const auto& c : *challenges)
      if (c.scheme == "bearer" && !c.param("scope").empty()) retry_scopes = c.param("scope");
  }
  std::lock_guard lock(mutex_);
  tokens_.erase(scopes);
  tokens_.erase(retry_scopes);
  return retry_scopes;
}

}  // namespace portcullis::proxy::upstream
