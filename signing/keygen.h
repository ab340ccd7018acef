// Key generation and PEM export for `portcullis keygen`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "signing/keys.h"
#include "signing/result.h"

namespace portcullis::signing {

// A fresh ECDSA P-256 key (named curve), cosign's default key type.
Result<PrivateKey> generate_ecdsa_p256();

// PKCS#8 PEM. With a passphrase: "ENCRYPTED PRIVATE KEY", PBES2 (PBKDF2 with
// HMAC-SHA256) and AES-256-CBC; without: "PRIVATE KEY".
Result<std::string> private_key_to_pem(const PrivateKey& key,
                                       std::optional<std::string_view> passphrase);

// Writes <prefix>.key (mode 0600) and <prefix>.pub (SPKI PEM). Refuses to
// overwrite either file unless overwrite is set.
Result<void> write_key_pair(const std::string& prefix, const PrivateKey& key,
                            std::optional<std::string_view> passphrase, bool overwrite = false);

}  // namespace portcullis::signing
