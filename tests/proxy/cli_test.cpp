// The `portcullis` binary as users run it: exit codes and what it prints.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/fs.h"
#include "tests/support/process.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
namespace fs = std::filesystem;

RunResult portcullis(const std::vector<std::string>& args) {
  std::vector<std::string> argv{PORTCULLIS_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {}, std::chrono::seconds(30));
}

TEST(Cli, HelpVersionAndUnknownCommands) {
  EXPECT_EQ(portcullis({"version"}).out, "portcullis " PORTCULLIS_VERSION "\n");
  auto help = portcullis({"help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const auto* cmd : {"serve", "validate", "check", "version"}) EXPECT_NE(help.out.find(cmd), std::string::npos);
  for (const auto* cmd : {"serve", "validate", "check"}) {
    auto r = portcullis({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_EQ(r.out.rfind(std::string("usage: portcullis ") + cmd, 0), 0u) << r.out;
  }
  auto unknown = portcullis({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command \"frobnicate\""), std::string::npos);
}

TEST(Cli, ServeRefusesABadConfigWithFileLineColumn) {
  TempDir dir("cli");
  const auto path = dir.path() + "/bad.yaml";
  write_file(path, "listen:\n  - address: nowhere\nupstreams: []\n");
  auto r = portcullis({"serve", "--config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":2:14: listen.address must be host:port"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":3:12: upstreams must be a non-empty list"), std::string::npos) << r.err;
}

// The golden diagnostics of every broken fixture, printed by the CLI exactly.
TEST(Cli, ValidatePrintsEveryErrorAndExitsNonZero) {
  const fs::path broken = fs::path(PORTCULLIS_SOURCE_DIR) / "tests/fixtures/policies/broken";
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(broken)) {
    if (entry.path().extension() != ".yaml") continue;
    auto expected_path = entry.path();
    expected_path.replace_extension(".expected");
    if (!fs::exists(expected_path)) continue;
    SCOPED_TRACE(entry.path().string());
    // Run from the fixtures dir so file names in messages match the golden files.
    const auto fixtures = broken.parent_path();
    std::vector<std::string> argv{PORTCULLIS_BINARY, "validate", fs::relative(entry.path(), fixtures).string()};
    auto r = run(argv, SpawnOptions{.cwd = fixtures.string()}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, read_file(expected_path.string()));
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(Cli, ValidateAndCheckTheShippedManifests) {
  const std::string manifests = std::string(PORTCULLIS_SOURCE_DIR) + "/config/manifests";
  auto ok = portcullis({"validate", manifests});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("are valid; policy revision "), std::string::npos);

  auto denied = portcullis({"check", "nginx", "--manifests", manifests, "--cluster", "prod-eu-1"});
  EXPECT_EQ(denied.exit_code, 1) << denied.out;
  EXPECT_EQ(denied.out.rfind("DENY docker.io/library/nginx:latest", 0), 0u) << denied.out;
  EXPECT_NE(denied.out.find("pci-production registries.deny: registry docker.io is denied"), std::string::npos)
      << denied.out;

  auto json = portcullis({"check", "registry.corp.example/apps/web:1.0", "--manifests", manifests, "--cluster",
                          "prod-eu-1", "--output", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.out;
  EXPECT_NE(json.out.find("\"decision\": \"allow\""), std::string::npos) << json.out;

  auto bad_ref = portcullis({"check", "UPPER/Case", "--manifests", manifests});
  EXPECT_EQ(bad_ref.exit_code, 2);
}

}  // namespace
}  // namespace portcullis::testing
