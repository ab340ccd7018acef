// Shared helpers for the signing tests: fixture paths, the openssl CLI as an
// independent signer/verifier, and small file utilities.
#pragma once

#include <string>
#include <vector>

#include "signing/keys.h"
#include "tests/support/fs.h"
#include "tests/support/process.h"

namespace portcullis::signing::testing {

// The image digest the recorded data signs, another digest for replay cases,
// the repository payloads name, and the CI fixture key's fingerprint.
inline constexpr char kDigest[] =
    "sha256:2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e";
inline constexpr char kOtherDigest[] =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
inline constexpr char kSigTag[] =
    "sha256-2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e.sig";
inline constexpr char kRepo[] = "registry.example/team/app";
inline constexpr char kCiFingerprint[] =
    "7e11320b8ccb75c3fa7c9a5448d33faab545a37314591a2b1d5d97d1e16516a2";

// tests/fixtures/keys/<name>
std::string key_path(const std::string& name);
// tests/signing/data/<name>
std::string data_path(const std::string& name);

PublicKey load_pub(const std::string& name);    // fixture .pub, asserts success
PrivateKey load_priv(const std::string& name);  // fixture .key (unencrypted)
std::string slurp(const std::string& path);     // whole file
std::string trim_newline(std::string s);

// Runs `openssl <args>`; throws with the command's output if it fails.
testsupport::RunResult openssl(const std::vector<std::string>& args);

// Signs payload with the openssl CLI (independent of Portcullis) and returns
// the base64 signature. extra_args go to `openssl dgst` (e.g. PSS -sigopt).
// Ed25519 keys use `openssl pkeyutl -sign -rawin`.
std::string openssl_sign(const testsupport::TempDir& dir, const std::string& key_file,
                         const std::string& payload,
                         const std::vector<std::string>& extra_args = {},
                         const std::string& digest = "-sha256", bool ed25519 = false);

// `openssl dgst -sha256 -verify pub -signature sig payload` (or pkeyutl for
// Ed25519); returns the CLI's stdout ("Verified OK" / "Signature Verified Successfully").
std::string openssl_verify(const testsupport::TempDir& dir, const std::string& pub_file,
                           const std::string& payload, const std::string& signature_base64,
                           bool ed25519 = false);

// sha256 hex of the DER SPKI, computed by the openssl CLI and sha256sum.
std::string openssl_fingerprint(const std::string& pub_file);

}  // namespace portcullis::signing::testing
