// `portcullis keygen`, `sign` and `verify` as users run them, against a real
// docker-registry reached through a daemon config: exit codes and output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/proxy/signatures/signature_env.h"

namespace portcullis::proxy::signatures::testing {
namespace {

using testsupport::RunResult;

RunResult portcullis(const std::vector<std::string>& args,
                     std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv{PORTCULLIS_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return testsupport::run(argv, testsupport::SpawnOptions{.env = std::move(env)},
                          std::chrono::seconds(60));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class SigningCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("/usr/bin/docker-registry")) GTEST_SKIP() << "docker-registry is not installed";
    registry_ = std::make_unique<DockerRegistry>();
    writer_ = std::make_unique<RegistryWriter>(*registry_);
    config_ = dir_ / "portcullis.yaml";
    testsupport::write_file(
        config_, "listen: [{address: \"127.0.0.1:0\"}]\nupstreams:\n  - name: " +
                     std::string(kUpstreamName) + "\n    url: " + registry_->url() + "\n");
  }

  std::string image(const std::string& repo_tag) {
    return std::string(kUpstreamName) + "/" + repo_tag;
  }

  TempDir dir_{"signing-cli"};
  std::unique_ptr<DockerRegistry> registry_;
  std::unique_ptr<RegistryWriter> writer_;
  std::string config_;
};

TEST_F(SigningCli, KeygenSignVerify) {
  const std::string prefix = dir_ / "ci";
  auto keygen = portcullis({"keygen", "--out", prefix});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.describe();
  const auto fingerprint = signing::testing::openssl_fingerprint(prefix + ".pub");
  EXPECT_EQ(keygen.out, "wrote " + prefix + ".key (ECDSA P-256, unencrypted PKCS#8) and " + prefix +
                            ".pub\nfingerprint " + fingerprint + "\n");
  struct stat st {};
  ASSERT_EQ(::stat((prefix + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = portcullis({"keygen", "--out", prefix});
  EXPECT_EQ(again.exit_code, 1) << again.describe();
  EXPECT_TRUE(contains(again.err, prefix + ".key")) << again.err;

  const auto digest = writer_->push_image("ci/app", "v1");
  const auto tag = "sha256-" + digest.substr(7) + ".sig";
  auto sign =
      portcullis({"sign", image("ci/app:v1"), "--key", prefix + ".key", "--config", config_});
  ASSERT_EQ(sign.exit_code, 0) << sign.describe();
  EXPECT_EQ(sign.out.rfind("signed " + image("ci/app") + " as " + tag + " (manifest sha256:", 0),
            0u)
      << sign.out;
  EXPECT_TRUE(contains(sign.out, "key " + fingerprint + ")")) << sign.out;

  auto verify =
      portcullis({"verify", image("ci/app:v1"), "--key", prefix + ".pub", "--config", config_});
  EXPECT_EQ(verify.exit_code, 0) << verify.describe();
  const auto payload = cosign_payload(image("ci/app"), digest);
  EXPECT_EQ(verify.out, "image: " + image("ci/app") + "@" + digest + "\npayload " +
                            signing::sha256_digest(payload) + " (tag:" + tag + "):\n" + payload +
                            "\nverified: tag:" + tag + " by key " + fingerprint + " (" + prefix +
                            ".pub, ECDSA P-256), docker-reference " + image("ci/app") +
                            "\nresult: VERIFIED (1 of 1 signature verified)\n");

  // By digest, with the identity check: the same.
  auto by_digest = portcullis({"verify", image("ci/app@" + digest), "--key", prefix + ".pub",
                               "--config", config_, "--identity"});
  EXPECT_EQ(by_digest.exit_code, 0) << by_digest.describe();

  // Another key: not verified, exit 1, and why.
  const auto other_fingerprint =
      signing::testing::openssl_fingerprint(signing::testing::key_path("other-ecdsa-p256.pub"));
  auto other =
      portcullis({"verify", image("ci/app:v1"), "--key",
                  signing::testing::key_path("other-ecdsa-p256.pub"), "--config", config_});
  EXPECT_EQ(other.exit_code, 1) << other.describe();
  EXPECT_TRUE(contains(other.out, "rejected: tag:" + tag + ": layer " +
                                      signing::sha256_digest(payload) +
                                      ": signature does not verify with key " + other_fingerprint +
                                      " (ECDSA P-256)\n"))
      << other.out;
  EXPECT_TRUE(contains(other.out, "result: NOT VERIFIED (0 of 1 signature verified)\n"))
      << other.out;

  // An unsigned image.
  writer_->push_image("ci/unsigned", "v1");
  auto unsigned_image = portcullis(
      {"verify", image("ci/unsigned:v1"), "--key", prefix + ".pub", "--config", config_});
  EXPECT_EQ(unsigned_image.exit_code, 1) << unsigned_image.describe();
  EXPECT_TRUE(contains(unsigned_image.out, "no signatures found (sha256-")) << unsigned_image.out;
  EXPECT_TRUE(contains(unsigned_image.out, "result: NOT VERIFIED (0 of 0 signatures verified)\n"))
      << unsigned_image.out;
}

TEST_F(SigningCli, EncryptedKeysNeedTheirPassphrase) {
  const std::string prefix = dir_ / "enc";
  testsupport::write_file(dir_ / "pass", "correct horse\n");
  auto keygen = portcullis({"keygen", "--out", prefix, "--passphrase-file", dir_ / "pass"});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.describe();
  EXPECT_TRUE(contains(keygen.out, "(ECDSA P-256, encrypted PKCS#8)")) << keygen.out;
  EXPECT_TRUE(contains(testsupport::read_file(prefix + ".key"), "BEGIN ENCRYPTED PRIVATE KEY"));

  writer_->push_image("ci/app", "v1");
  auto no_pass =
      portcullis({"sign", image("ci/app:v1"), "--key", prefix + ".key", "--config", config_});
  EXPECT_EQ(no_pass.exit_code, 2) << no_pass.describe();
  EXPECT_TRUE(contains(no_pass.err, prefix + ".key: ")) << no_pass.err;
  auto with_env = portcullis({"sign", image("ci/app:v1"), "--key", prefix + ".key", "--config",
                              config_, "--passphrase-env", "CI_PASS"},
                             {{"CI_PASS", "correct horse"}});
  EXPECT_EQ(with_env.exit_code, 0) << with_env.describe();
  auto verify =
      portcullis({"verify", image("ci/app:v1"), "--key", prefix + ".pub", "--config", config_});
  EXPECT_EQ(verify.exit_code, 0) << verify.describe();
}

TEST_F(SigningCli, ErrorsAreExitCodeTwoWithAReason) {
  const auto key = signing::testing::key_path("ci-ecdsa-p256.key");
  const auto pub = signing::testing::key_path("ci-ecdsa-p256.pub");
  for (const auto* cmd : {"keygen", "sign", "verify"}) {
    auto help = portcullis({cmd, "--help"});
    EXPECT_EQ(help.exit_code, 0) << cmd;
    EXPECT_EQ(help.out.rfind(std::string("usage: portcullis ") + cmd, 0), 0u) << help.out;
  }
  auto elsewhere = portcullis({"sign", "quay.io/team/app:v1", "--key", key, "--config", config_});
  EXPECT_EQ(elsewhere.exit_code, 2);
  EXPECT_TRUE(contains(elsewhere.err,
                       "portcullis sign: registry quay.io is not one of the config's upstreams "
                       "(registry.corp.example)"))
      << elsewhere.err;

  const std::string bad = dir_ / "bad.yaml";
  testsupport::write_file(
      bad, "listen: [{address: nowhere}]\nupstreams: [{name: a, url: \"http://x\"}]\n");
  auto bad_config = portcullis({"verify", image("ci/app:v1"), "--key", pub, "--config", bad});
  EXPECT_EQ(bad_config.exit_code, 2);
  EXPECT_TRUE(contains(bad_config.err, bad + ":1:20: listen.address must be host:port"))
      << bad_config.err;

  auto no_key = portcullis({"verify", image("ci/app:v1"), "--config", config_});
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_TRUE(contains(no_key.err, "--key FILE (a public key) is required")) << no_key.err;

  auto missing = portcullis({"verify", image("ci/missing:v1"), "--key", pub, "--config", config_});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "no manifest " + image("ci/missing:v1") + " in the registry"))
      << missing.err;

  registry_->stop();
  auto down = portcullis({"verify", image("ci/app:v1"), "--key", pub, "--config", config_});
  EXPECT_EQ(down.exit_code, 2) << down.describe();
  EXPECT_TRUE(contains(down.err, "portcullis verify: ")) << down.err;
}

}  // namespace
}  // namespace portcullis::proxy::signatures::testing
