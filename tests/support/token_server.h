// A Bearer token server for docker-registry's token auth (auth.token), on its own thread:
//   GET  /token?service=S&scope=repository:foo:pull,push   (Basic credentials or anonymous)
//   POST /token  grant_type=password&username=..&password=..&scope=..&service=..  (containerd)
// It signs JWTs that docker-registry 2.8 verifies against root_cert_bundle_path(), and records
// every request so tests can assert token caching.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/fs.h"
#include "tests/support/token_signer.h"

namespace portcullis::testsupport {

struct TokenUser {
  std::string name;
  std::string password;
  // Actions this user may get; "*" grants whatever was requested.
  std::vector<std::string> actions{"*"};
};

struct TokenServerOptions {
  std::vector<TokenUser> users{{"tokenuser", "tokenpass"}};
  bool allow_anonymous = false;  // anonymous requests get "pull" only
  std::chrono::seconds lifetime{300};
  std::string issuer = "portcullis-test-issuer";
  std::string service = "portcullis-test-registry";
  KeyType key_type = KeyType::ES256;
  KeyRef key_ref = KeyRef::X5c;  // docker-registry 2.8 accepts both
};

struct ResourceAccess {
  std::string type;  // "repository", "registry"
  std::string name;  // "library/alpine", "catalog"
  std::vector<std::string> actions;
};

// One request as the server saw it.
struct TokenRequest {
  std::string method;  // GET or POST
  std::string service;
  std::vector<std::string> scopes;  // as sent
  std::string account;              // authenticated user; "" for anonymous or refused
  int status = 0;                   // what the server answered
};

class TokenServer {
 public:
  explicit TokenServer(TokenServerOptions options = {});  // listening when constructed
  ~TokenServer();
  TokenServer(const TokenServer&) = delete;
  TokenServer& operator=(const TokenServer&) = delete;

  uint16_t port() const;
  std::string realm() const;  // http://127.0.0.1:PORT/token
  const std::string& service() const;
  const std::string& issuer() const;
  const std::string& root_cert_bundle_path() const;

  size_t request_count() const;  // every /token request
  size_t issued_count() const;   // those answered 200
  std::vector<TokenRequest> requests() const;
  void clear_requests();
  // Applies to tokens issued from now on.
  void set_lifetime(std::chrono::seconds lifetime);

  // Mints a token without HTTP (for tests of expired or foreign tokens). `lifetime` may be
  // negative to get an already expired token.
  std::string issue(const std::string& subject, const std::vector<ResourceAccess>& access,
                    std::chrono::seconds lifetime) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "repository:foo/bar:pull,push" -> {repository, foo/bar, [pull, push]}; false if malformed.
bool parse_scope(const std::string& scope, ResourceAccess& out);

}  // namespace portcullis::testsupport
