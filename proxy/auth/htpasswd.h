// Client authentication against an htpasswd file with bcrypt entries, as
// docker-registry uses. bcrypt is slow on purpose, so successful checks are
// remembered (by a hash of the credentials) for a while.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::proxy::auth {

class Htpasswd {
 public:
  // Throws std::runtime_error at start-up on an unreadable file or a non-bcrypt entry.
  static Htpasswd load(const std::string& path);
  static Htpasswd parse(std::string_view text, const std::string& display_name);

  // Checks an Authorization header value ("Basic base64(user:pass)"); returns the user.
  std::optional<std::string> authenticate(std::string_view authorization_header) const;

  // The cheap part: is this header already known good?
  bool cached(std::string_view authorization_header) const;

 private:
  std::map<std::string, std::string> users_;  // user -> bcrypt hash
  mutable std::unique_ptr<std::mutex> cache_mutex_ = std::make_unique<std::mutex>();
  mutable std::map<std::string, std::chrono::steady_clock::time_point> cache_;  // sha256(header) -> expiry
};

// Decodes "Basic <base64>" into user and password.
std::optional<std::pair<std::string, std::string>> decode_basic(std::string_view authorization_header);

}  // namespace portcullis::proxy::auth
