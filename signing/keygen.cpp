#include "signing/keygen.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include <cerrno>
#include <cstring>

#include "signing/ossl.h"

namespace portcullis::signing {
namespace {

Result<void> write_file(const std::string& path, std::string_view data, mode_t mode,
                        bool overwrite) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) return fail(path + ": cannot create: " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return fail(path + ": write failed: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  // An overwritten key file keeps its old mode; tighten it explicitly.
  if (::fchmod(fd, mode) != 0 || ::close(fd) != 0) {
    return fail(path + ": cannot finish writing: " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<PrivateKey> generate_ecdsa_p256() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!pkey) return fail("ECDSA P-256 key generation failed: " + ossl::last_error());
  return PrivateKey::from_evp(pkey);
}

Result<std::string> private_key_to_pem(const PrivateKey& key,
                                       std::optional<std::string_view> passphrase) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  int ok = 0;
  if (passphrase) {
    ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(),
                                       const_cast<char*>(passphrase->data()),
                                       static_cast<int>(passphrase->size()), nullptr, nullptr);
  } else {
    ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }
  if (ok != 1) return fail("cannot encode private key: " + ossl::last_error());
  return ossl::bio_contents(bio.get());
}

Result<void> write_key_pair(const std::string& prefix, const PrivateKey& key,
                            std::optional<std::string_view> passphrase, bool overwrite) {
  auto pem = private_key_to_pem(key, passphrase);
  if (!pem) return pem.error();
  const std::string key_path = prefix + ".key";
  const std::string pub_path = prefix + ".pub";
  if (!overwrite) {
    // Check both first so a refusal leaves nothing half-written.
    for (const auto& p : {key_path, pub_path}) {
      if (::access(p.c_str(), F_OK) == 0) return fail(p + ": already exists");
    }
  }
  auto written = write_file(key_path, *pem, 0600, overwrite);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!written) return written;
  return write_file(pub_path, key.public_key().pem(), 0644, overwrite);
}

}  // namespace portcullis::signing
