#include "tests/docker/docker_assets.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace portcullis::docker_test {

fs::path SourceDir() { return fs::path(PORTCULLIS_SOURCE_DIR); }
fs::path DockerDir() { return SourceDir() / "docker"; }
fs::path KubernetesDir() { return DockerDir() / "kubernetes"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<YAML::Node> LoadAllDocuments(const fs::path& path) {
  return YAML::LoadAll(ReadFile(path));
}

std::vector<YAML::Node> KubernetesObjects() {
  std::vector<YAML::Node> objects;
  const YAML::Node kustomization =
      YAML::LoadFile((KubernetesDir() / "kustomization.yaml").string());
  for (const auto& resource : kustomization["resources"]) {
    for (auto& doc : LoadAllDocuments(KubernetesDir() / resource.as<std::string>())) {
      if (doc.IsMap()) objects.push_back(doc);
    }
  }
  return objects;
}

YAML::Node FindObject(const std::string& kind, const std::string& name) {
  std::vector<YAML::Node> found;
  for (const auto& object : KubernetesObjects()) {
    if (object["kind"].as<std::string>() != kind) continue;
    if (!name.empty() && object["metadata"]["name"].as<std::string>() != name) continue;
    found.push_back(object);
  }
  if (found.size() != 1) {
    throw std::runtime_error("expected one " + kind + " " + name + " in the kustomization, found " +
                             std::to_string(found.size()));
  }
  return found.front();
}

YAML::Node DaemonConfig() {
  return YAML::LoadFile((KubernetesDir() / "portcullis-config.yaml").string());
}

int PortOf(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("no port in " + address);
  return std::stoi(address.substr(colon + 1));
}

bool ListenerHasTls(const YAML::Node& config, int port) {
  for (const auto& listener : config["listen"]) {
    if (PortOf(listener["address"].as<std::string>()) == port) return bool(listener["tls"]);
  }
  return false;
}

std::chrono::milliseconds ParseDuration(const std::string& text) {
  std::size_t used = 0;
  long value = -1;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument("not a duration: " + text);
  }
  const std::string unit = text.substr(used);
  if (value < 0) throw std::invalid_argument("negative duration: " + text);
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  throw std::invalid_argument("not a duration: " + text);
}

std::set<std::string> StringSet(const YAML::Node& sequence) {
  std::set<std::string> out;
  for (const auto& item : sequence) out.insert(item.as<std::string>());
  return out;
}

std::string Base64Decode(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) throw std::invalid_argument("base64 length is not a multiple of 4");
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size()) throw std::invalid_argument("base64 padding in the middle");
      ++padding;
      continue;
    }
    const auto index = kAlphabet.find(c);
    if (index == std::string::npos || padding > 0) {
      throw std::invalid_argument(std::string("bad base64 character '") + c + "'");
    }
    buffer = (buffer << 6) | unsigned(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((buffer >> bits) & 0xff));
    }
  }
  return out;
}

CommandResult RunCommand(const std::string& command) {
  const std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed for " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, output};
}

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool HaveCommand(const std::string& name) {
  return RunCommand("command -v " + ShellQuote(name) + " >/dev/null").exit_code == 0;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "portcullis-docker-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace portcullis::docker_test
