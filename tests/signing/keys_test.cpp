// Key loading, fingerprints and passphrase handling.
#include <gtest/gtest.h>

#include "signing/keygen.h"
#include "signing/keys.h"
#include "tests/signing/test_util.h"

namespace portcullis::signing {
namespace {

using testing::key_path;
using testing::load_pub;
using testing::slurp;

struct KeyCase {
  const char* file;
  KeyType type;
  const char* description;
};

class PublicKeyTypes : public ::testing::TestWithParam<KeyCase> {};

TEST_P(PublicKeyTypes, LoadsWithTypeAndOpensslFingerprint) {
  const auto& c = GetParam();
  auto key = load_public_key_file(key_path(c.file));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->type(), c.type);
  EXPECT_EQ(key->description(), c.description);
  // The fingerprint policy matches on: sha256 of the DER SPKI, as the CLI computes it.
  EXPECT_EQ(key_fingerprint(*key), testing::openssl_fingerprint(key_path(c.file)));
  EXPECT_EQ(key->fingerprint().size(), 64u);
  // Stable: loading again, or re-exporting the PEM, gives the same fingerprint.
  auto again = load_public_key_pem(key->pem());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->fingerprint(), key->fingerprint());
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, PublicKeyTypes,
    ::testing::Values(KeyCase{"ci-ecdsa-p256.pub", KeyType::EcdsaP256, "ECDSA P-256"},
                      KeyCase{"ecdsa-p384.pub", KeyType::EcdsaP384, "ECDSA P-384"},
                      KeyCase{"rsa-2048.pub", KeyType::Rsa, "RSA-2048"},
                      KeyCase{"rsa-pss-2048.pub", KeyType::RsaPss, "RSA-PSS-2048"},
                      KeyCase{"ed25519.pub", KeyType::Ed25519, "Ed25519"}),
    [](const auto& info) {
      std::string name = info.param.file;
      std::string out;
      for (char ch : name.substr(0, name.find('.'))) out += std::isalnum(ch) ? ch : '_';
      return out;
    });

TEST(PublicKeys, KnownFingerprintOfTheCiKey) {
  // Pinned so that Trust Manifest fixtures elsewhere can list it.
  EXPECT_EQ(load_pub("ci-ecdsa-p256.pub").fingerprint(),
            "7e11320b8ccb75c3fa7c9a5448d33faab545a37314591a2b1d5d97d1e16516a2");
}

TEST(PublicKeys, RefusesSmallRsa) {
  auto key = load_public_key_file(key_path("rsa-1024-too-small.pub"));
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message,
            key_path("rsa-1024-too-small.pub") +
                ": RSA key of 1024 bits is not accepted (allowed 2048..16384)");
}

TEST(PublicKeys, RefusesOtherCurves) {
  auto key = load_public_key_file(key_path("secp256k1-unsupported.pub"));
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("EC curve secp256k1 is not supported"), std::string::npos)
      << key.error().message;
}

TEST(PublicKeys, RefusesNonPkixAndGarbage) {
  auto none = load_public_key_pem("hello");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "no \"-----BEGIN PUBLIC KEY-----\" PEM block found");

  auto pkcs1 =
      load_public_key_pem("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n");
  ASSERT_FALSE(pkcs1);
  EXPECT_NE(pkcs1.error().message.find("PKCS#1 \"RSA PUBLIC KEY\" PEM is not accepted"),
            std::string::npos);

  auto broken = load_public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message.rfind("cannot parse public key PEM: ", 0), 0u)
      << broken.error().message;

  auto missing = load_public_key_file("/nonexistent/key.pub");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "/nonexistent/key.pub: cannot open: No such file or directory");

  std::string huge(kMaxPemBytes + 1, 'A');
  EXPECT_EQ(load_public_key_pem(huge).error().message, "public key PEM is larger than 64 KiB");
}

TEST(PrivateKeys, LoadEveryFixtureAndMatchItsPublicKey) {
  for (std::string name :
       {"ci-ecdsa-p256", "other-ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-pss-2048", "ed25519"}) {
    auto priv = load_private_key_file(key_path(name + ".key"), std::nullopt);
    ASSERT_TRUE(priv) << name << ": " << priv.error().message;
    EXPECT_EQ(priv->public_key().fingerprint(), load_pub(name + ".pub").fingerprint()) << name;
    // The public half carries no private material.
    EXPECT_EQ(priv->public_key().pem(), slurp(key_path(name + ".pub"))) << name;
  }
}

TEST(PrivateKeys, EncryptedKeyNeedsTheRightPassphrase) {
  const auto file = key_path("ci-ecdsa-p256-encrypted.key");
  auto pass = read_passphrase_file(key_path("ci-ecdsa-p256.passphrase"));
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(*pass, "portcullis-test-passphrase");  // trailing newline stripped

  auto ok = load_private_key_file(file, *pass);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->public_key().fingerprint(), load_pub("ci-ecdsa-p256.pub").fingerprint());

  auto none = load_private_key_file(file, std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, file + ": private key is encrypted: a passphrase is required");

  auto wrong = load_private_key_file(file, std::string_view("not-it"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message,
            file + ": cannot decrypt private key: wrong passphrase or corrupt key");
}

TEST(PrivateKeys, RefusesCosignEncryptedFormatWithAnExplanation) {
  auto key = load_private_key_pem(
      "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n"
      "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
      std::string_view("x"));
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message,
            "cosign's encrypted key format (scrypt + secretbox) is not supported; use a PKCS#8 "
            "PEM key, e.g. one from `portcullis keygen` or `openssl genpkey`");
}

TEST(Passphrases, FileAndEnvironment) {
  testsupport::TempDir dir("signing-pass");
  testsupport::write_file(dir / "crlf", "secret\r\n");
  testsupport::write_file(dir / "two", "secret\n\n");
  testsupport::write_file(dir / "plain", "secret");
  EXPECT_EQ(*read_passphrase_file(dir / "crlf"), "secret");
  EXPECT_EQ(*read_passphrase_file(dir / "two"), "secret\n");  // only one newline is stripped
  EXPECT_EQ(*read_passphrase_file(dir / "plain"), "secret");
  EXPECT_FALSE(read_passphrase_file(dir / "missing"));

  ::setenv("PORTCULLIS_TEST_PASSPHRASE", "from-env", 1);
  EXPECT_EQ(*read_passphrase_env("PORTCULLIS_TEST_PASSPHRASE"), "from-env");
  ::unsetenv("PORTCULLIS_TEST_PASSPHRASE");
  auto unset = read_passphrase_env("PORTCULLIS_TEST_PASSPHRASE");
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error().message, "environment variable PORTCULLIS_TEST_PASSPHRASE is not set");
}

}  // namespace
}  // namespace portcullis::signing
