// Authenticates Portcullis to one upstream registry: anonymous, Basic, or the
// Bearer token flow (challenge -> token endpoint -> cached token per scope).
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "proxy/upstream/fetch.h"

namespace portcullis::proxy::upstream {

struct Credentials {
  std::string username;
  std::string password;
};

// The repository scope string for a request, e.g. "repository:apps/web:pull,push".
std::string repository_scope(std::string_view repository, std::string_view actions);

class RegistryAuth {
 public:
  RegistryAuth(Origin origin, std::optional<Credentials> credentials, ConnectionPool& pool, FetchLimits limits);

  // The Authorization header value to send for `scopes` (space separated), or
  // "" for anonymous. Learns the scheme with one GET /v2/ the first time.
  awaitable<boost::system::result<std::string>> authorization(const std::string& scopes);

  // Call on a 401 from the upstream: forgets cached tokens for `scopes` and
  // learns from the challenge. Returns the scopes to retry with.
  std::string on_unauthorized(const std::string& scopes, std::string_view www_authenticate);

  size_t token_requests() const { return token_requests_; }

 private:
  enum class Scheme { Unknown, Anonymous, Basic, Bearer };
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };

  void learn(std::string_view www_authenticate);
  std::string basic_header() const;
  awaitable<boost::system::result<std::string>> fetch_token(const std::string& scopes);

  Origin origin_;
  std::optional<Credentials> credentials_;
  ConnectionPool& pool_;
  FetchLimits limits_;

  std::mutex mutex_;
  Scheme scheme_ = Scheme::Unknown;
  std::string realm_;
  std::string service_;
  std::map<std::string, Token> tokens_;
  std::atomic<size_t> token_requests_{0};
};

}  // namespace portcullis::proxy::upstream
