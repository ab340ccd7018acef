// Reads a Dockerfile into instructions per build stage, enough to check its key facts.
#pragma once

#include <string>
#include <vector>

namespace portcullis::docker_test {

struct DockerInstruction {
  std::size_t stage;    // index into Dockerfile::stages
  std::string keyword;  // upper case: FROM, RUN, USER, ...
  std::string args;     // continuation lines joined with a space, comments dropped
};

struct DockerStage {
  std::string base;  // FROM image
  std::string name;  // AS name, or ""
};

struct Dockerfile {
  std::vector<DockerStage> stages;
  std::vector<DockerInstruction> instructions;

  std::vector<DockerInstruction> InStage(std::size_t stage, const std::string& keyword) const;
};

// Throws std::runtime_error on an instruction before the first FROM.
Dockerfile ParseDockerfile(const std::string& text);

// The package names of every `apt-get install` in a RUN's arguments (options dropped).
std::vector<std::string> AptInstalledPackages(const std::string& run_args);

// Whitespace-separated words.
std::vector<std::string> Words(const std::string& text);

}  // namespace portcullis::docker_test
