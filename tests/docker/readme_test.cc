// docker/README.md's file table names only files that exist, and every asset is in it.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "tests/docker/docker_assets.h"

namespace portcullis::docker_test {
namespace {

TEST(DockerReadme, FileTableMatchesTheDirectory) {
  std::istringstream in(ReadFile(DockerDir() / "README.md"));
  const std::regex row(R"(^\| `([^`]+)` \|)");
  std::set<std::string> listed;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_search(line, match, row)) continue;
    listed.insert(match[1].str());
    const auto path = DockerDir() / match[1].str();
    if (path.filename().string().rfind("*", 0) == 0) {  // "dir/*.ext": some file with that ext
      bool any = false;
      for (const auto& entry : fs::directory_iterator(path.parent_path())) {
        any = any || entry.path().extension() == path.extension();
      }
      EXPECT_TRUE(any) << path;
    } else {
      EXPECT_TRUE(fs::exists(path)) << path;
    }
  }
  for (const char* asset : {"Dockerfile", "Dockerfile.dockerignore", "kubernetes/",
                            "gen-webhook-certs.sh", "nodes/registries.conf"}) {
    EXPECT_TRUE(listed.count(asset)) << asset;
  }
}

TEST(DockerReadme, LegacyDockerignoreMatchesTheDockerfileOne) {
  const auto readme = ReadFile(DockerDir() / "README.md");
  const auto intro = readme.find("`.dockerignore` at the repository root:");
  ASSERT_NE(intro, std::string::npos);
  const auto begin = readme.find("```\n", intro);
  ASSERT_NE(begin, std::string::npos);
  const auto end = readme.find("```", begin + 4);
  std::string expected;
  std::istringstream in(ReadFile(DockerDir() / "Dockerfile.dockerignore"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') expected += line + "\n";
  }
  EXPECT_EQ(readme.substr(begin + 4, end - begin - 4), expected);
}

}  // namespace
}  // namespace portcullis::docker_test
