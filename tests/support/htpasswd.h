// bcrypt htpasswd entries, as docker-registry (and Portcullis clientAuth) read them.
#pragma once

#include <string>

namespace portcullis::testsupport {

// "$2y$..." for `password`, via libcrypt. Cost 4 (the minimum) keeps the per-request bcrypt
// check of docker-registry cheap in tests.
std::string bcrypt_hash(const std::string& password, int cost = 4);

// "user:$2y$..." followed by a newline.
std::string htpasswd_line(const std::string& user, const std::string& password, int cost = 4);

}  // namespace portcullis::testsupport
