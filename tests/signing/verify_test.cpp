// Signatures made independently with the openssl CLI verify in Portcullis,
// Portcullis signatures verify with the openssl CLI, and every way a
// signature can be wrong is denied with its own reason.
#include <gtest/gtest.h>

#include "signing/base64.h"
#include "signing/payload.h"
#include "signing/sign.h"
#include "signing/verify.h"
#include "tests/signing/test_util.h"

namespace portcullis::signing {
namespace {

using testing::kDigest;
using testing::kOtherDigest;
using testing::kRepo;

using testing::key_path;
using testing::load_priv;
using testing::load_pub;
using testing::openssl_sign;
using testing::openssl_verify;

struct OpensslCase {
  const char* name;
  const char* key;  // fixture basename
  std::vector<std::string> sigopts;
  const char* digest;
  bool ed25519;
};

class OpensslSigned : public ::testing::TestWithParam<OpensslCase> {};

TEST_P(OpensslSigned, VerifiesInPortcullis) {
  const auto& c = GetParam();
  testsupport::TempDir dir("signing-verify");
  const std::string payload = build_payload(kRepo, kDigest);
  const std::string sig = openssl_sign(dir, key_path(std::string(c.key) + ".key"), payload,
                                       c.sigopts, c.digest, c.ed25519);
  const PublicKey key = load_pub(std::string(c.key) + ".pub");

  auto result = verify(payload, sig, key, kDigest, std::string_view(kRepo));
  EXPECT_TRUE(result.verified) << result.reason;
  EXPECT_EQ(result.reason, "");
  EXPECT_EQ(result.key_fingerprint, key.fingerprint());
  ASSERT_TRUE(result.payload);
  EXPECT_EQ(result.payload->docker_reference, kRepo);

  // The same signature over one changed byte fails.
  std::string tampered = payload;
  tampered[tampered.find("team")] = 'T';
  auto bad = verify(tampered, sig, key, kDigest);
  EXPECT_FALSE(bad.verified);
  EXPECT_EQ(bad.reason, "signature does not verify with key " + key.fingerprint() + " (" +
                            key.description() + ")");
}

INSTANTIATE_TEST_SUITE_P(
    KeyTypes, OpensslSigned,
    ::testing::Values(
        OpensslCase{"EcdsaP256", "ci-ecdsa-p256", {}, "-sha256", false},
        OpensslCase{"EcdsaP384Sha256", "ecdsa-p384", {}, "-sha256", false},
        OpensslCase{"EcdsaP384Sha384", "ecdsa-p384", {}, "-sha384", false},
        OpensslCase{"RsaPkcs1v15", "rsa-2048", {}, "-sha256", false},
        OpensslCase{"RsaPssDigestSalt",
                    "rsa-2048",
                    {"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"},
                    "-sha256",
                    false},
        OpensslCase{"RsaPssMaxSalt",
                    "rsa-2048",
                    {"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max"},
                    "-sha256",
                    false},
        OpensslCase{"RsaPssKey", "rsa-pss-2048", {}, "-sha256", false},
        OpensslCase{"Ed25519", "ed25519", {}, "", true}),
    [](const auto& info) { return std::string(info.param.name); });

struct SignCase {
  const char* key;
  bool ed25519;
};

class PortcullisSigned : public ::testing::TestWithParam<SignCase> {};

TEST_P(PortcullisSigned, VerifiesWithOpensslCli) {
  const auto& c = GetParam();
  testsupport::TempDir dir("signing-cli");
  const std::string payload = build_payload(kRepo, kDigest);
  const PrivateKey priv = load_priv(std::string(c.key) + ".key");
  auto sig = sign(payload, priv);
  ASSERT_TRUE(sig) << sig.error().message;

  const std::string pub = key_path(std::string(c.key) + ".pub");
  EXPECT_EQ(openssl_verify(dir, pub, payload, *sig, c.ed25519),
            c.ed25519 ? "Signature Verified Successfully" : "Verified OK");
  EXPECT_TRUE(verify(payload, *sig, priv.public_key(), kDigest).verified);
  // And the CLI rejects it over other bytes (the check is real).
  EXPECT_NE(openssl_verify(dir, pub, payload + " ", *sig, c.ed25519), "Verified OK");
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, PortcullisSigned,
                         ::testing::Values(SignCase{"ci-ecdsa-p256", false},
                                           SignCase{"ecdsa-p384", false},
                                           SignCase{"rsa-2048", false}, SignCase{"ed25519", true}),
                         [](const auto& info) {
                           std::string out;
                           for (char ch : std::string(info.param.key)) {
                             out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return out;
                         });

TEST(PortcullisSigned, RsaPssKeyVerifiesWithOpensslCliInPssMode) {
  testsupport::TempDir dir("signing-pss");
  const std::string payload = build_payload(kRepo, kDigest);
  auto sig = sign(payload, load_priv("rsa-pss-2048.key"));
  ASSERT_TRUE(sig);
  testsupport::write_file(dir / "payload", payload);
  testsupport::write_file(dir / "sig", *base64_decode(*sig));
  auto r = testing::openssl({"dgst", "-sha256", "-verify", key_path("rsa-pss-2048.pub"), "-sigopt",
                             "rsa_padding_mode:pss", "-signature", dir / "sig", dir / "payload"});
  EXPECT_EQ(testing::trim_newline(r.out), "Verified OK");
}

// --- deny cases -------------------------------------------------------------

class Denials : public ::testing::Test {
 protected:
  testsupport::TempDir dir_{"signing-deny"};
  PrivateKey ci_ = load_priv("ci-ecdsa-p256.key");
  PublicKey ci_pub_ = load_pub("ci-ecdsa-p256.pub");
  PublicKey other_pub_ = load_pub("other-ecdsa-p256.pub");

  std::string sign_with_cli(const std::string& payload) {
    return openssl_sign(dir_, key_path("ci-ecdsa-p256.key"), payload);
  }
};

TEST_F(Denials, UntrustedKey) {
  const std::string payload = build_payload(kRepo, kDigest);
  const std::string sig = openssl_sign(dir_, key_path("other-ecdsa-p256.key"), payload);
  auto one = verify(payload, sig, ci_pub_, kDigest);
  EXPECT_FALSE(one.verified);
  EXPECT_EQ(one.reason,
            "signature does not verify with key "
            "7e11320b8ccb75c3fa7c9a5448d33faab545a37314591a2b1d5d97d1e16516a2 (ECDSA P-256)");

  std::vector<PublicKey> trusted{ci_pub_, load_pub("rsa-2048.pub"), load_pub("ed25519.pub")};
  auto any = verify_with_any(payload, sig, trusted, kDigest);
  EXPECT_FALSE(any.verified);
  EXPECT_EQ(any.reason, "signature does not verify with any of the 3 trusted keys");

  trusted.push_back(other_pub_);  // now trusted: verifies, and says by which key
  auto ok = verify_with_any(payload, sig, trusted, kDigest);
  EXPECT_TRUE(ok.verified) << ok.reason;
  EXPECT_EQ(ok.key_fingerprint, other_pub_.fingerprint());

  EXPECT_EQ(verify_with_any(payload, sig, {}, kDigest).reason, "no trusted keys to verify against");
}

TEST_F(Denials, PayloadForAnotherDigest) {
  // A genuine signature by the trusted key, but for another image: replayed
  // onto this image's .sig tag it must not count.
  const std::string payload = build_payload(kRepo, kOtherDigest);
  auto r = verify(payload, sign_with_cli(payload), ci_pub_, kDigest);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.reason, std::string("payload is for manifest ") + kOtherDigest + ", not " + kDigest +
                          " (signature replayed from another image?)");
}

TEST_F(Denials, TamperedPayload) {
  const std::string payload = build_payload(kRepo, kOtherDigest);
  const std::string sig = sign_with_cli(payload);
  // The attacker rewrites the digest to this image's; the signature no longer matches.
  const std::string tampered = build_payload(kRepo, kDigest);
  auto r = verify(tampered, sig, ci_pub_, kDigest);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.reason,
            "signature does not verify with key "
            "7e11320b8ccb75c3fa7c9a5448d33faab545a37314591a2b1d5d97d1e16516a2 (ECDSA P-256)");
}

TEST_F(Denials, MalformedBase64) {
  const std::string payload = build_payload(kRepo, kDigest);
  const std::string sig = sign_with_cli(payload);
  EXPECT_EQ(verify(payload, "MEUCIQ!!", ci_pub_, kDigest).reason,
            "malformed base64 signature: invalid character '!' at offset 6");
  EXPECT_EQ(verify(payload, sig.substr(0, sig.size() - 3), ci_pub_, kDigest)
                .reason.rfind("malformed base64 signature: length ", 0),
            0u);
  EXPECT_EQ(verify(payload, "", ci_pub_, kDigest).reason, "malformed base64 signature: empty");
  EXPECT_EQ(verify(payload, std::string(10000, 'A'), ci_pub_, kDigest).reason,
            "malformed base64 signature: 10000 characters, more than any supported key produces");
  // Well-formed base64 of garbage is a signature that does not verify.
  EXPECT_EQ(verify(payload, "AAAA", ci_pub_, kDigest)
                .reason.rfind("signature does not verify with key ", 0),
            0u);
}

TEST_F(Denials, WrongCriticalType) {
  std::string payload = build_payload(kRepo, kDigest);
  payload.replace(payload.find("cosign container image signature"), 32,
                  "atomic container signature");
  auto r = verify(payload, sign_with_cli(payload), ci_pub_, kDigest);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.reason,
            "payload critical.type is \"atomic container signature\", expected \"cosign container "
            "image signature\"");
}

TEST_F(Denials, SignedGarbagePayload) {
  const std::string payload = "not json at all";
  auto r = verify(payload, sign_with_cli(payload), ci_pub_, kDigest);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.reason.rfind("invalid simple-signing payload: payload is not valid JSON: ", 0), 0u)
      << r.reason;
}

TEST_F(Denials, IdentityMismatchOnlyWhenRequested) {
  const std::string payload = build_payload("registry.example/other/app", kDigest);
  const std::string sig = sign_with_cli(payload);
  EXPECT_TRUE(verify(payload, sig, ci_pub_, kDigest).verified);
  auto r = verify(payload, sig, ci_pub_, kDigest, std::string_view(kRepo));
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.reason,
            "payload docker-reference \"registry.example/other/app\" does not match the expected "
            "repository \"registry.example/team/app\"");
}

TEST(SameRepository, DockerHubAliases) {
  EXPECT_TRUE(same_repository("index.docker.io/library/nginx", "docker.io/library/nginx"));
  EXPECT_TRUE(same_repository("docker.io/library/nginx", "index.docker.io/library/nginx"));
  EXPECT_TRUE(same_repository("ghcr.io/a/b", "ghcr.io/a/b"));
  EXPECT_FALSE(same_repository("ghcr.io/a/b", "ghcr.io/a/c"));
  EXPECT_FALSE(same_repository("index.docker.io/library/nginx", "quay.io/library/nginx"));
  EXPECT_FALSE(same_repository("docker.io/library/nginx", "library/nginx"));
}

TEST(VerifyRaw, P384SignatureOverSha512IsNotAccepted) {
  // Only SHA-256 and the curve's own hash are accepted: no hash agility beyond that.
  testsupport::TempDir dir("signing-raw");
  const std::string payload = build_payload(kRepo, kDigest);
  const std::string sig = openssl_sign(dir, key_path("ecdsa-p384.key"), payload, {}, "-sha512");
  EXPECT_FALSE(verify(payload, sig, load_pub("ecdsa-p384.pub"), kDigest).verified);
}

}  // namespace
}  // namespace portcullis::signing
