// docker/gen-webhook-certs.sh, run for real in a temp dir and checked with the openssl CLI.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "tests/docker/docker_assets.h"

namespace portcullis::docker_test {
namespace {

std::string Script() { return ShellQuote((DockerDir() / "gen-webhook-certs.sh").string()); }

class CertScriptTest : public testing::Test {
 protected:
  void SetUp() override {
    out_ = dir_.path() / "certs";
    const auto result = RunCommand(Script() + " --extra-san portcullis.example " + Q(out_));
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }
  static std::string Q(const fs::path& path) { return ShellQuote(path.string()); }
  std::string Openssl(const std::string& args) {
    const auto result = RunCommand("openssl " + args);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }

  TempDir dir_;
  fs::path out_;
};

TEST_F(CertScriptTest, WritesTheFilesWithPrivateKeysUnreadableByOthers) {
  for (const char* name :
       {"ca.crt", "ca.key", "tls.crt", "tls.key", "kustomization.yaml",
        "validatingwebhookconfiguration.yaml", "mutatingwebhookconfiguration.yaml"}) {
    EXPECT_TRUE(fs::is_regular_file(out_ / name)) << name;
  }
  for (const char* key : {"ca.key", "tls.key"}) {
    struct stat info {};
    ASSERT_EQ(stat((out_ / key).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0077, 0u) << key;
  }
}

TEST_F(CertScriptTest, ServingCertificateVerifiesAgainstTheCa) {
  EXPECT_EQ(Openssl("verify -CAfile " + Q(out_ / "ca.crt") + " " + Q(out_ / "tls.crt")),
            (out_ / "tls.crt").string() + ": OK\n");
  const auto purpose =
      Openssl("x509 -noout -ext extendedKeyUsage,basicConstraints -in " + Q(out_ / "tls.crt"));
  EXPECT_NE(purpose.find("TLS Web Server Authentication"), std::string::npos) << purpose;
  EXPECT_NE(purpose.find("CA:FALSE"), std::string::npos) << purpose;
  // The key in tls.key belongs to the certificate.
  EXPECT_EQ(Openssl("pkey -pubout -in " + Q(out_ / "tls.key")),
            Openssl("x509 -noout -pubkey -in " + Q(out_ / "tls.crt")));
}

TEST_F(CertScriptTest, SubjectAltNamesCoverTheServiceDnsNames) {
  const auto text = Openssl("x509 -noout -ext subjectAltName -in " + Q(out_ / "tls.crt"));
  std::set<std::string> names;
  const std::regex dns(R"(DNS:([^,\s]+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), dns); it != std::sregex_iterator();
       ++it) {
    names.insert((*it)[1].str());
  }
  EXPECT_EQ(names, (std::set<std::string>{"portcullis.portcullis-system.svc",
                                          "portcullis.portcullis-system.svc.cluster.local",
                                          "portcullis.portcullis-system", "portcullis",
                                          "portcullis.example"}))
      << text;
}

TEST_F(CertScriptTest, WebhookCopiesCarryTheCaAndAreOtherwiseTheBase) {
  const std::string ca = ReadFile(out_ / "ca.crt");
  for (const char* name :
       {"validatingwebhookconfiguration.yaml", "mutatingwebhookconfiguration.yaml"}) {
    SCOPED_TRACE(name);
    const auto generated = YAML::LoadFile((out_ / name).string());
    auto expected = YAML::LoadFile((KubernetesDir() / name).string());
    const auto bundle = generated["webhooks"][0]["clientConfig"]["caBundle"].as<std::string>();
    EXPECT_EQ(bundle.find_first_of(" \n"), std::string::npos) << "one line";
    EXPECT_EQ(Base64Decode(bundle), ca);
    expected["webhooks"][0]["clientConfig"]["caBundle"] = bundle;
    EXPECT_EQ(YAML::Dump(generated), YAML::Dump(expected));
    EXPECT_EQ(ReadFile(out_ / name).find("PORTCULLIS_CA_BUNDLE"), std::string::npos);
  }
}

TEST_F(CertScriptTest, RunningAgainKeepsTheCaAndIssuesANewServingCertificate) {
  const std::string ca = ReadFile(out_ / "ca.crt");
  const std::string first = ReadFile(out_ / "tls.crt");
  const auto again = RunCommand(Script() + " " + Q(out_));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(ReadFile(out_ / "ca.crt"), ca) << "the caBundle the API server trusts stays valid";
  EXPECT_NE(ReadFile(out_ / "tls.crt"), first);
  Openssl("verify -CAfile " + Q(out_ / "ca.crt") + " " + Q(out_ / "tls.crt"));
}

TEST_F(CertScriptTest, OverlayRendersTheWholeDeploymentWithTheCa) {
  if (!HaveCommand("kubectl")) GTEST_SKIP() << "kubectl not installed";
  const auto result = RunCommand("kubectl kustomize " + Q(out_));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find("PORTCULLIS_CA_BUNDLE"), std::string::npos);
  const auto objects = YAML::LoadAll(result.output);
  EXPECT_EQ(objects.size(), KubernetesObjects().size());
  int webhooks = 0;
  for (const auto& object : objects) {
    const auto kind = object["kind"].as<std::string>();
    if (kind.find("WebhookConfiguration") == std::string::npos) continue;
    ++webhooks;
    EXPECT_EQ(Base64Decode(object["webhooks"][0]["clientConfig"]["caBundle"].as<std::string>()),
              ReadFile(out_ / "ca.crt"));
    EXPECT_EQ(object["webhooks"][0]["rules"].size(), 3u) << "the patch keeps the rules";
  }
  EXPECT_EQ(webhooks, 2);
}

TEST_F(CertScriptTest, ApplyCreatesTheNamespaceSecretAndOverlayInOrder) {
  // A stand-in kubectl that records its arguments (and its stdin for `apply -f -`).
  const fs::path log = dir_.path() / "kubectl.log";
  const fs::path fake = dir_.path() / "kubectl";
  {
    std::ofstream script(fake);
    script << "#!/bin/sh\necho \"$*\" >> " << Q(log) << "\n"
           << "case \"$*\" in *'create secret'*) echo 'kind: Secret';; "
           << "'apply -f -') sed 's/^/  stdin: /' >> " << Q(log) << ";; esac\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  const auto result = RunCommand("KUBECTL=" + Q(fake) + " " + Script() + " --apply " + Q(out_));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string k8s = KubernetesDir().string();
  const std::string out = out_.string();
  std::vector<std::string> calls;
  std::istringstream in(ReadFile(log));
  for (std::string line; std::getline(in, line);) calls.push_back(line);
  ASSERT_EQ(calls.size(), 5u) << ReadFile(log);
  EXPECT_EQ(calls.front(), "apply -f " + k8s + "/namespace.yaml");
  EXPECT_EQ(calls.back(), "apply -k " + out);
  // The two ends of `create secret ... | apply -f -` run at once: their order is not fixed.
  const std::multiset<std::string> piped(calls.begin() + 1, calls.end() - 1);
  EXPECT_EQ(piped, (std::multiset<std::string>{
                       "-n portcullis-system create secret tls portcullis-tls --cert=" + out +
                           "/tls.crt --key=" + out + "/tls.key --dry-run=client -o yaml",
                       "apply -f -", "  stdin: kind: Secret"}));
}

TEST(CertScript, UsageAndBadArguments) {
  const auto none = RunCommand(Script());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.output.find("Usage: gen-webhook-certs.sh"), std::string::npos) << none.output;
  const auto help = RunCommand(Script() + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--apply"), std::string::npos);
  const auto unknown = RunCommand(Script() + " --bogus /tmp/x");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("unknown option: --bogus"), std::string::npos) << unknown.output;
  TempDir dir;
  const auto no_kubectl = RunCommand("KUBECTL=/nonexistent/kubectl " + Script() + " --apply " +
                                     ShellQuote((dir.path() / "out").string()));
  EXPECT_EQ(no_kubectl.exit_code, 1);
  EXPECT_NE(no_kubectl.output.find("--apply needs kubectl"), std::string::npos)
      << no_kubectl.output;
  EXPECT_FALSE(fs::exists(dir.path() / "out")) << "nothing is written when it cannot finish";
  const auto bad_san = RunCommand(Script() + " --extra-san 'a b' /tmp/x");
  EXPECT_EQ(bad_san.exit_code, 1);
  EXPECT_NE(bad_san.output.find("not a DNS name: a b"), std::string::npos) << bad_san.output;
}

}  // namespace
}  // namespace portcullis::docker_test
