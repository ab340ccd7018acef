#include "tests/signing/test_util.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "signing/base64.h"

namespace portcullis::signing::testing {

std::string key_path(const std::string& name) {
  return std::string(PORTCULLIS_SOURCE_DIR) + "/tests/fixtures/keys/" + name;
}

std::string data_path(const std::string& name) {
  return std::string(PORTCULLIS_SOURCE_DIR) + "/tests/signing/data/" + name;
}

PublicKey load_pub(const std::string& name) {
  auto key = load_public_key_file(key_path(name));
  if (!key) throw std::runtime_error(key.error().message);
  return *key;
}

PrivateKey load_priv(const std::string& name) {
  auto key = load_private_key_file(key_path(name), std::nullopt);
  if (!key) throw std::runtime_error(key.error().message);
  return *key;
}

std::string slurp(const std::string& path) { return testsupport::read_file(path); }

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

testsupport::RunResult openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testsupport::run(argv);
  if (!r.ok()) throw std::runtime_error(r.describe());
  return r;
}

std::string openssl_sign(const testsupport::TempDir& dir, const std::string& key_file,
                         const std::string& payload, const std::vector<std::string>& extra_args,
                         const std::string& digest, bool ed25519) {
  testsupport::write_file(dir / "payload", payload);
  std::vector<std::string> args;
  if (ed25519) {
    args = {"pkeyutl", "-sign",         "-rawin", "-inkey",   key_file,
            "-in",     dir / "payload", "-out",   dir / "sig"};
  } else {
    args = {"dgst", digest, "-sign", key_file, "-out", dir / "sig"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    args.push_back(dir / "payload");
  }
  openssl(args);
  return base64_encode(slurp(dir / "sig"));
}

std::string openssl_verify(const testsupport::TempDir& dir, const std::string& pub_file,
                           const std::string& payload, const std::string& signature_base64,
                           bool ed25519) {
  testsupport::write_file(dir / "payload", payload);
  auto raw = base64_decode(signature_base64);
  if (!raw) throw std::runtime_error(raw.error().message);
  testsupport::write_file(dir / "sig", *raw);
  std::vector<std::string> argv{"openssl"};
  if (ed25519) {
    argv.insert(argv.end(), {"pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", pub_file, "-in",
                             dir / "payload", "-sigfile", dir / "sig"});
  } else {
    argv.insert(argv.end(), {"dgst", "-sha256", "-verify", pub_file, "-signature", dir / "sig",
                             dir / "payload"});
  }
  auto r = testsupport::run(argv);
  return trim_newline(r.out);
}

std::string openssl_fingerprint(const std::string& pub_file) {
  auto r = testsupport::run({"sh", "-c",
                             "openssl pkey -pubin -in \"$0\" -outform DER | sha256sum | cut -c1-64",
                             pub_file});
  if (!r.ok()) throw std::runtime_error(r.describe());
  return trim_newline(r.out);
}

}  // namespace portcullis::signing::testing
