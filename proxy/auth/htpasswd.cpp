#include "proxy/auth/htpasswd.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace portcullis::proxy::auth {
namespace {

constexpr auto kCacheLifetime = std::chrono::minutes(5);
constexpr size_t kMaxCacheEntries = 10'000;

std::string sha256_key(std::string_view s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> decode_basic(std::string_view header) {
  constexpr std::string_view prefix = "Basic ";
  if (header.size() <= prefix.size() || header.size() > 4096) return std::nullopt;
  if (strncasecmp(header.data(), prefix.data(), prefix.size()) != 0) return std::nullopt;
  auto b64 = header.substr(prefix.size());
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  std::string decoded(3 * (b64.size() / 4) + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0 || b64.size() % 4 != 0) return std::nullopt;
  size_t len = static_cast<size_t>(n);
  if (b64.size() >= 1 && b64.back() == '=') --len;  // EVP_DecodeBlock counts padding as zero bytes
  if (b64.size() >= 2 && b64[b64.size() - 2] == '=') --len;
  decoded.resize(len);
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

Htpasswd Htpasswd::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the htpasswd file");
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Htpasswd Htpasswd::parse(std::string_view text, const std::string& display_name) {
  Htpasswd h;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto colon = line.find(':');
    const std::string hash = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (colon == std::string::npos || colon == 0 ||
        !(hash.rfind("$2y$", 0) == 0 || hash.rfind("$2b$", 0) == 0 || hash.rfind("$2a$", 0) == 0))
      throw std::runtime_error(display_name + ":" + std::to_string(number) +
                               ": expected user:bcrypt-hash (create entries with htpasswd -B)");
    h.users_[line.substr(0, colon)] = hash;
  }
  return h;
}

bool Htpasswd::cached(std::string_view header) const {
  const auto key = sha256_key(header);
  std::lock_guard lock(*cache_mutex_);
  auto it = cache_.find(key);
  return it != cache_.end() && std::chrono::steady_clock::now() < it->second;
}

std::optional<std::string> Htpasswd::authenticate(std::string_view header) const {
  auto creds = decode_basic(header);
  if (!creds) return std::nullopt;
  auto it = users_.find(creds->first);
  if (it == users_.end()) return std::nullopt;
  if (cached(header)) return creds->first;
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  const char* computed = crypt_r(creds->second.c_str(), it->second.c_str(), &data);
  if (computed == nullptr || !constant_time_equal(computed, it->second)) return std::nullopt;
  std::lock_guard lock(*cache_mutex_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_[sha256_key(header)] = std::chrono::steady_clock::now() + kCacheLifetime;
  return creds->first;
}

}  // namespace portcullis::proxy::auth
