// Helpers for the docker/ asset tests: where the files are, loading them, and running commands.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace portcullis::docker_test {

namespace fs = std::filesystem;

fs::path SourceDir();
fs::path DockerDir();
fs::path KubernetesDir();

std::string ReadFile(const fs::path& path);

// Every document of a (possibly multi-document) YAML file. Throws YAML::Exception on bad YAML.
std::vector<YAML::Node> LoadAllDocuments(const fs::path& path);

// The Kubernetes objects that docker/kubernetes/kustomization.yaml lists, in order.
std::vector<YAML::Node> KubernetesObjects();
// The one object of that kind (and name, when given); fails the test if there is not exactly one.
YAML::Node FindObject(const std::string& kind, const std::string& name = "");

// The daemon config the ConfigMap carries (docker/kubernetes/portcullis-config.yaml).
YAML::Node DaemonConfig();
// The port of a listen address "host:port".
int PortOf(const std::string& address);
// True if the daemon config has a listener on this port with a tls section.
bool ListenerHasTls(const YAML::Node& config, int port);

// "3s", "1500ms", "1m" -> duration. Throws std::invalid_argument on anything else.
std::chrono::milliseconds ParseDuration(const std::string& text);

std::set<std::string> StringSet(const YAML::Node& sequence);

std::string Base64Decode(const std::string& text);  // throws std::invalid_argument

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};
// Runs a command with /bin/sh; the command quotes its own arguments (see ShellQuote).
CommandResult RunCommand(const std::string& command);
std::string ShellQuote(const std::string& text);
bool HaveCommand(const std::string& name);

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace portcullis::docker_test
