#include "tests/docker/dockerfile_parse.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace portcullis::docker_test {
namespace {

std::string Trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

}  // namespace

std::vector<DockerInstruction> Dockerfile::InStage(std::size_t stage,
                                                   const std::string& keyword) const {
  std::vector<DockerInstruction> out;
  for (const auto& instruction : instructions) {
    if (instruction.stage == stage && instruction.keyword == keyword) out.push_back(instruction);
  }
  return out;
}

Dockerfile ParseDockerfile(const std::string& text) {
  Dockerfile file;
  std::istringstream in(text);
  std::string raw;
  std::string pending;  // an instruction continued with a trailing backslash
  auto finish = [&file](const std::string& logical) {
    const auto space = logical.find_first_of(" \t");
    std::string keyword = logical.substr(0, space);
    std::transform(keyword.begin(), keyword.end(), keyword.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    const std::string args = space == std::string::npos ? "" : Trim(logical.substr(space));
    if (keyword == "FROM") {
      const auto words = Words(args);
      DockerStage stage{words.at(0), ""};
      if (words.size() == 3 && (words[1] == "AS" || words[1] == "as")) stage.name = words[2];
      file.stages.push_back(stage);
    } else if (file.stages.empty()) {
      if (keyword != "ARG") throw std::runtime_error(keyword + " before the first FROM");
      return;
    }
    file.instructions.push_back({file.stages.size() - 1, keyword, args});
  };
  while (std::getline(in, raw)) {
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;  // comments may sit inside continuations too
    if (line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    finish(Trim(pending + line));
    pending.clear();
  }
  if (!pending.empty()) finish(Trim(pending));
  return file;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

std::vector<std::string> AptInstalledPackages(const std::string& run_args) {
  std::vector<std::string> packages;
  const auto words = Words(run_args);
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] != "apt-get" || words[i + 1] != "install") continue;
    for (std::size_t j = i + 2; j < words.size(); ++j) {
      const auto& word = words[j];
      if (word == "&&" || word == ";" || word == "||") break;
      if (word[0] != '-') packages.push_back(word);
    }
  }
  return packages;
}

}  // namespace portcullis::docker_test
