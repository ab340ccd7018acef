// Key facts of docker/Dockerfile (no Docker engine here, so the image itself is not built).
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "tests/docker/docker_assets.h"
#include "tests/docker/dockerfile_parse.h"

namespace portcullis::docker_test {
namespace {

Dockerfile Load() { return ParseDockerfile(ReadFile(DockerDir() / "Dockerfile")); }

std::set<std::string> StagePackages(const Dockerfile& file, std::size_t stage) {
  std::set<std::string> packages;
  for (const auto& run : file.InStage(stage, "RUN")) {
    for (auto& package : AptInstalledPackages(run.args)) packages.insert(package);
  }
  return packages;
}

std::string AllRunArgs(const Dockerfile& file, std::size_t stage) {
  std::string all;
  for (const auto& run : file.InStage(stage, "RUN")) all += run.args + "\n";
  return all;
}

// BUILD_PKGS=( ... ) from scripts/install-deps.sh.
std::set<std::string> InstallDepsBuildPackages() {
  const auto script = ReadFile(SourceDir() / "scripts" / "install-deps.sh");
  const std::regex block(R"(BUILD_PKGS=\(([^)]*)\))");
  std::smatch match;
  if (!std::regex_search(script, match, block)) throw std::runtime_error("no BUILD_PKGS in script");
  const auto words = Words(match[1].str());
  return {words.begin(), words.end()};
}

TEST(Dockerfile, IsMultiStageOnDebianBookworm) {
  const auto file = Load();
  ASSERT_EQ(file.stages.size(), 2u);
  EXPECT_EQ(file.stages[0].name, "build");
  EXPECT_EQ(file.stages[0].base, "debian:bookworm");
  EXPECT_EQ(file.stages[1].base, "debian:bookworm-slim");
  const auto copies = file.InStage(1, "COPY");
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].args.rfind("--from=build ", 0), 0u) << "the runtime gets only the binary";
}

TEST(Dockerfile, BuildStageInstallsTheBuildPackagesAndBuildsReleaseWithoutTests) {
  const auto file = Load();
  const auto installed = StagePackages(file, 0);
  // Tests and benchmarks are off, and the context has no .git: these are not needed.
  const std::set<std::string> not_needed = {"git", "libgtest-dev", "libgmock-dev"};
  for (const auto& package : InstallDepsBuildPackages()) {
    if (not_needed.count(package)) continue;
    EXPECT_TRUE(installed.count(package)) << package << " (BUILD_PKGS in scripts/install-deps.sh)";
  }
  const auto runs = AllRunArgs(file, 0);
  for (const char* flag : {"-G Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DPORTCULLIS_TESTS=OFF",
                           "-DPORTCULLIS_BENCH=OFF", "--target portcullis"}) {
    EXPECT_NE(runs.find(flag), std::string::npos) << flag;
  }
}

TEST(Dockerfile, RuntimeStageHasOnlyRuntimeLibraries) {
  const auto file = Load();
  const auto installed = StagePackages(file, 1);
  for (const char* package : {"libssl3", "libyaml-cpp0.7", "libarchive13", "liblmdb0", "libisal2",
                              "libzstd1", "libboost-url1.81.0", "libcrypt1", "ca-certificates"}) {
    EXPECT_TRUE(installed.count(package)) << package;
  }
  for (const auto& package : installed) {
    const bool dev = package.size() > 4 && package.substr(package.size() - 4) == "-dev";
    EXPECT_FALSE(dev) << package;
    for (const char* tool : {"gtest", "gmock", "cmake", "ninja", "build-essential", "g++", "gcc"}) {
      EXPECT_EQ(package.find(tool), std::string::npos) << package;
    }
  }
  const auto runs = AllRunArgs(file, 1);
  EXPECT_NE(runs.find("--no-install-recommends"), std::string::npos);
  EXPECT_NE(runs.find("rm -rf /var/lib/apt/lists/*"), std::string::npos);
  EXPECT_NE(runs.find("ldd /usr/local/bin/portcullis"), std::string::npos)
      << "a missing runtime library fails the build";
}

TEST(Dockerfile, RunsAsANumericNonRootUser) {
  const auto file = Load();
  const auto users = file.InStage(1, "USER");
  ASSERT_EQ(users.size(), 1u);
  const std::regex numeric(R"(([0-9]+)(:([0-9]+))?)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(users[0].args, match, numeric))
      << "numeric, so Kubernetes runAsNonRoot can check it: " << users[0].args;
  EXPECT_NE(std::stoi(match[1].str()), 0);
  EXPECT_EQ(match[1].str(), "65532");
  // Nothing after USER switches back to root.
  const auto& all = file.instructions;
  const auto user_at = std::find_if(all.begin(), all.end(), [](const DockerInstruction& i) {
    return i.stage == 1 && i.keyword == "USER";
  });
  for (auto it = user_at; it != all.end(); ++it) EXPECT_NE(it->keyword, "RUN") << it->args;
}

TEST(Dockerfile, ServesTheConfigOnTheDocumentedPorts) {
  const auto file = Load();
  const auto entrypoint = file.InStage(1, "ENTRYPOINT");
  ASSERT_EQ(entrypoint.size(), 1u);
  const auto exec_form = YAML::Load(entrypoint[0].args);
  ASSERT_TRUE(exec_form.IsSequence()) << "exec form, so SIGTERM reaches the daemon";
  std::vector<std::string> argv;
  for (const auto& arg : exec_form) argv.push_back(arg.as<std::string>());
  EXPECT_EQ(argv, (std::vector<std::string>{"/usr/local/bin/portcullis", "serve", "--config",
                                            "/etc/portcullis/config.yaml"}));
  const auto expose = file.InStage(1, "EXPOSE");
  ASSERT_EQ(expose.size(), 1u);
  EXPECT_EQ(Words(expose[0].args), (std::vector<std::string>{"5000", "8443"}));
}

TEST(Dockerfile, IgnoreFileKeepsBuildTreesAndGitOutOfTheContext) {
  std::set<std::string> entries;
  std::istringstream in(ReadFile(DockerDir() / "Dockerfile.dockerignore"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') entries.insert(line);
  }
  for (const char* entry : {".git", "build", "build-*"}) {
    EXPECT_TRUE(entries.count(entry)) << entry;
  }
  for (const char* needed : {"CMakeLists.txt", "proxy", "policy", "config", "scripts"}) {
    EXPECT_FALSE(entries.count(needed)) << needed << " is needed by the build";
  }
}

}  // namespace
}  // namespace portcullis::docker_test
