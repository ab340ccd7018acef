#include "tests/support/htpasswd.h"

#include <crypt.h>

#include <memory>
#include <stdexcept>

namespace portcullis::testsupport {

std::string bcrypt_hash(const std::string& password, int cost) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2y$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt) ==
      nullptr) {
    throw std::runtime_error("crypt_gensalt_rn($2y$) failed");
  }
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), salt, data.get());
  if (hash == nullptr || hash[0] == '*') throw std::runtime_error("crypt_r(bcrypt) failed");
  return hash;
}

std::string htpasswd_line(const std::string& user, const std::string& password, int cost) {
  return user + ":" + bcrypt_hash(password, cost) + "\n";
}

}  // namespace portcullis::testsupport
