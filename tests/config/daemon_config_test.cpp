#include "config/daemon_config.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace portcullis::config {
namespace {

std::vector<std::string> problems_of(const std::string& yaml) {
  try {
    parse_daemon_config(yaml, "portcullis.yaml", "/etc/portcullis");
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

TEST(DaemonConfig, MinimalConfigGetsDefaults) {
  auto cfg = parse_daemon_config(R"(
listen:
  - address: 127.0.0.1:5000
    defaultUpstream: registry.corp.example
upstreams:
  - name: registry.corp.example
    url: http://127.0.0.1:5001/
)",
                                 "portcullis.yaml", "/etc/portcullis");
  ASSERT_EQ(cfg.listen.size(), 1u);
  EXPECT_EQ(cfg.listen[0].host, "127.0.0.1");
  EXPECT_EQ(cfg.listen[0].port, 5000);
  EXPECT_FALSE(cfg.listen[0].tls);
  EXPECT_EQ(cfg.upstreams[0].url, "http://127.0.0.1:5001");  // trailing slash dropped
  EXPECT_TRUE(cfg.strict_blobs);
  EXPECT_EQ(cfg.store.path, "/var/lib/portcullis");
  EXPECT_EQ(cfg.limits.max_manifest_bytes, 4u << 20);
}

TEST(DaemonConfig, FullContractKeysAndRelativePaths) {
  auto cfg = parse_daemon_config(R"(
listen:
  - address: "[::1]:8443"
    tls: {cert: tls/server.crt, key: tls/server.key}
upstreams:
  - name: registry.corp.example
    url: https://registry.internal:5001
    auth: {username: robot, password: pw}
    ca: tls/ca.crt
    insecureSkipVerify: false
clientAuth: {htpasswd: users.htpasswd}
store: {path: data, maxBytes: 1GiB}
manifests: [manifests/]
cluster: prod-eu-1
timeouts: {connect: 2s, header: 500ms, idleBody: 1m, drain: 10s}
limits: {maxManifestBytes: 1MiB, relayBufferBytes: 512KiB}
admission: {deadline: 2s, exemptNamespaces: [kube-system]}
)",
                                 "portcullis.yaml", "/etc/portcullis");
  EXPECT_EQ(cfg.listen[0].host, "::1");
  EXPECT_EQ(cfg.listen[0].tls->cert, "/etc/portcullis/tls/server.crt");
  EXPECT_EQ(cfg.upstreams[0].auth->username, "robot");
  EXPECT_EQ(cfg.upstreams[0].ca, "/etc/portcullis/tls/ca.crt");
  EXPECT_EQ(cfg.client_auth.htpasswd, "/etc/portcullis/users.htpasswd");
  EXPECT_EQ(cfg.store.path, "/etc/portcullis/data");
  EXPECT_EQ(cfg.store.max_bytes, 1ull << 30);
  EXPECT_EQ(cfg.manifests[0], "/etc/portcullis/manifests/");
  EXPECT_EQ(cfg.cluster, "prod-eu-1");
  EXPECT_EQ(cfg.timeouts.header, std::chrono::milliseconds(500));
  EXPECT_EQ(cfg.timeouts.idle_body, std::chrono::minutes(1));
  EXPECT_EQ(cfg.limits.relay_buffer_bytes, 512u * 1024);
  EXPECT_EQ(cfg.admission.deadline, std::chrono::seconds(2));
}

TEST(DaemonConfig, EveryProblemIsReportedWithLineAndColumn) {
  EXPECT_EQ(
      problems_of(R"(listen:
  - address: localhost
    defaultUpstream: nowhere.example
upstreams:
  - name: registry.corp.example
    url: ftp://x
    colour: blue
strictBlobs: maybe
timeouts: {connect: 5 parsecs}
)"),
      (std::vector<std::string>{
          "portcullis.yaml:2:14: listen.address must be host:port, got \"localhost\"",
          "portcullis.yaml:7:5: unknown key \"colour\" in upstream (expected one of: auth, ca, "
          "insecureSkipVerify, name, url)",
          "portcullis.yaml:6:10: upstream url must start with http:// or https://, got \"ftp://x\"",
          "portcullis.yaml:8:14: strictBlobs must be true or false",
          "portcullis.yaml:9:21: timeouts.connect has an unknown unit \" parsecs\" (use ms, s, m "
          "or h)",
          "portcullis.yaml:3:22: defaultUpstream \"nowhere.example\" is not one of the declared "
          "upstreams",
      }));
}

TEST(DaemonConfig, BrokenYamlGivesPosition) {
  EXPECT_EQ(problems_of("listen: [\n  - address: 1\n"),
            (std::vector<std::string>{"portcullis.yaml:2:3: illegal block entry"}));
}

TEST(DaemonConfig, MissingSectionsAndDuplicates) {
  EXPECT_EQ(problems_of("cluster: x\n"), (std::vector<std::string>{
                                             "portcullis.yaml: missing required key \"listen\"",
                                             "portcullis.yaml: missing required key \"upstreams\"",
                                         }));
  EXPECT_EQ(
      problems_of(R"(listen: [{address: "127.0.0.1:1"}]
upstreams:
  - {name: a.example, url: "http://x"}
  - {name: a.example, url: "http://y"}
)"),
      (std::vector<std::string>{"portcullis.yaml:4:12: upstream \"a.example\" is declared twice"}));
}

TEST(DaemonConfig, SigningSection) {
  auto cfg = parse_daemon_config(R"(listen: [{address: "127.0.0.1:1"}]
upstreams: [{name: a.example, url: "http://x"}]
signing:
  key: keys/signing.key
  passphraseEnv: SIGNING_PASSPHRASE
  repositories: ["ci/**", apps/web]
  identity: true
)",
                                 "portcullis.yaml", "/etc/portcullis");
  ASSERT_TRUE(cfg.signing);
  EXPECT_EQ(cfg.signing->key, "/etc/portcullis/keys/signing.key");
  EXPECT_EQ(cfg.signing->passphrase_env, "SIGNING_PASSPHRASE");
  EXPECT_EQ(cfg.signing->passphrase_file, "");
  EXPECT_EQ(cfg.signing->repositories, (std::vector<std::string>{"ci/**", "apps/web"}));
  EXPECT_EQ(cfg.signing->repository_locations,
            (std::vector<std::string>{"portcullis.yaml:6:18", "portcullis.yaml:6:27"}));
  EXPECT_TRUE(cfg.signing->identity);
  EXPECT_EQ(cfg.signing->location, "portcullis.yaml:4:3");

  auto verify_only = parse_daemon_config(R"(listen: [{address: "127.0.0.1:1"}]
upstreams: [{name: a.example, url: "http://x"}]
signing: {identity: true}
)",
                                         "portcullis.yaml", "/etc/portcullis");
  ASSERT_TRUE(verify_only.signing);
  EXPECT_EQ(verify_only.signing->key, "");
  EXPECT_TRUE(verify_only.signing->identity);
  EXPECT_FALSE(
      parse_daemon_config(
          "listen: [{address: \"127.0.0.1:1\"}]\nupstreams: [{name: a, url: \"http://x\"}]\n",
          "portcullis.yaml", "/")
          .signing);
}

TEST(DaemonConfig, SigningProblemsHaveLineAndColumn) {
  EXPECT_EQ(
      problems_of(R"(listen: [{address: "127.0.0.1:1"}]
upstreams: [{name: a.example, url: "http://x"}]
signing:
  key: signing.key
  passphraseFile: pass.txt
  passphraseEnv: "1BAD NAME"
  repositories: []
  identity: sometimes
  colour: blue
)"),
      (std::vector<std::string>{
          "portcullis.yaml:9:3: unknown key \"colour\" in signing (expected one of: identity, key, "
          "passphraseEnv, passphraseFile, repositories)",
          "portcullis.yaml:4:3: signing takes passphraseFile or passphraseEnv, not both",
          "portcullis.yaml:6:18: signing.passphraseEnv must name an environment variable, got "
          "\"1BAD NAME\"",
          "portcullis.yaml:7:17: signing.repositories must be a non-empty list of repository "
          "patterns",
          "portcullis.yaml:8:13: signing.identity must be true or false",
      }));
  EXPECT_EQ(problems_of(R"(listen: [{address: "127.0.0.1:1"}]
upstreams: [{name: a.example, url: "http://x"}]
signing: {key: signing.key}
)"),
            (std::vector<std::string>{
                "portcullis.yaml:3:10: signing.key needs signing.repositories: the repository "
                "patterns whose pushes are signed (\"**\" for all)"}));
  EXPECT_EQ(problems_of(R"(listen: [{address: "127.0.0.1:1"}]
upstreams: [{name: a.example, url: "http://x"}]
signing: {repositories: ["**"]}
)"),
            (std::vector<std::string>{
                "portcullis.yaml:3:10: signing.repositories and the passphrase need "
                "signing.key (the private key file)"}));
}

TEST(DaemonConfig, MissingFileIsAClearError) {
  EXPECT_THROW(load_daemon_config("/nonexistent/portcullis.yaml"), ConfigError);
}

// Every example daemon config shipped in config/ loads cleanly, as zot checks its examples.
TEST(DaemonConfig, EveryShippedExampleLoads) {
  namespace fs = std::filesystem;
  int loaded = 0;
  for (const auto& dir : {"config/examples", "docker/kubernetes"}) {
    const fs::path root = fs::path(PORTCULLIS_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::directory_iterator(root)) {
      const auto name = entry.path().filename().string();
      if (entry.path().extension() != ".yaml" || name.find("portcullis") == std::string::npos)
        continue;
      SCOPED_TRACE(entry.path().string());
      EXPECT_NO_THROW({
        try {
          load_daemon_config(entry.path().string());
        } catch (const ConfigError& e) {
          ADD_FAILURE() << e.what();
        }
      });
      ++loaded;
    }
  }
  EXPECT_GE(loaded, 1);
}

}  // namespace
}  // namespace portcullis::config
