// `portcullis keygen` building blocks: the key files and their formats.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "signing/keygen.h"
#include "signing/payload.h"
#include "signing/sign.h"
#include "signing/verify.h"
#include "tests/signing/test_util.h"

namespace portcullis::signing {
namespace {

TEST(Keygen, WritesAnEncryptedPkcs8KeyAndSpkiPublicKey) {
  testsupport::TempDir dir("signing-keygen");
  auto key = generate_ecdsa_p256();
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->type(), KeyType::EcdsaP256);
  auto written = write_key_pair(dir / "cosign", *key, std::string_view("s3cret"));
  ASSERT_TRUE(written) << written.error().message;

  const std::string key_file = dir / "cosign.key";
  const std::string pub_file = dir / "cosign.pub";
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(testing::slurp(key_file).rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(testing::slurp(pub_file).rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);

  // The CLI sees PBES2 with AES-256-CBC and can decrypt it with the passphrase.
  auto asn1 = testing::openssl({"asn1parse", "-in", key_file});
  EXPECT_NE(asn1.out.find("PBES2"), std::string::npos) << asn1.out;
  EXPECT_NE(asn1.out.find("aes-256-cbc"), std::string::npos) << asn1.out;
  EXPECT_NE(asn1.out.find("hmacWithSHA256"), std::string::npos) << asn1.out;
  auto pub = testing::openssl({"pkey", "-in", key_file, "-passin", "pass:s3cret", "-pubout"});
  EXPECT_EQ(pub.out, testing::slurp(pub_file));

  // Loads back and signs something the public key verifies.
  auto loaded = load_private_key_file(key_file, std::string_view("s3cret"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto pub_key = load_public_key_file(pub_file);
  ASSERT_TRUE(pub_key);
  EXPECT_EQ(loaded->public_key().fingerprint(), pub_key->fingerprint());
  EXPECT_EQ(pub_key->fingerprint(), testing::openssl_fingerprint(pub_file));
  const std::string digest =
      "sha256:2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e";
  const std::string payload = build_payload("r/x", digest);
  EXPECT_TRUE(verify(payload, *sign(payload, *loaded), *pub_key, digest).verified);
}

TEST(Keygen, UnencryptedKeyAndNoSilentOverwrite) {
  testsupport::TempDir dir("signing-keygen");
  auto key = generate_ecdsa_p256();
  ASSERT_TRUE(key);
  ASSERT_TRUE(write_key_pair(dir / "k", *key, std::nullopt));
  EXPECT_EQ(testing::slurp(dir / "k.key").rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_TRUE(load_private_key_file(dir / "k.key", std::nullopt));

  auto other = generate_ecdsa_p256();
  auto refused = write_key_pair(dir / "k", *other, std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, dir / "k.key" + ": already exists");
  EXPECT_EQ(load_public_key_file(dir / "k.pub")->fingerprint(), key->public_key().fingerprint());

  ASSERT_TRUE(write_key_pair(dir / "k", *other, std::nullopt, /*overwrite=*/true));
  EXPECT_EQ(load_public_key_file(dir / "k.pub")->fingerprint(), other->public_key().fingerprint());
  EXPECT_NE(key->public_key().fingerprint(), other->public_key().fingerprint());
}

}  // namespace
}  // namespace portcullis::signing
