// Parses WWW-Authenticate challenges (RFC 7235), e.g.
//   Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::proxy::upstream {

struct Challenge {
  std::string scheme;                         // lower-cased: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lower-cased

  std::string param(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  }
};

// Returns every challenge in the header value; nullopt if it is malformed.
std::optional<std::vector<Challenge>> parse_www_authenticate(std::string_view header);

}  // namespace portcullis::proxy::upstream
