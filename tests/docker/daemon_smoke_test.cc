// The real daemon runs the in-cluster config (paths and ports moved into a temp dir) with the
// certificate that gen-webhook-certs.sh makes, and answers the probes the Deployment uses over
// TLS under the Service's DNS name, exactly as the kubelet and the API server reach it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/docker/docker_assets.h"

extern char** environ;

namespace portcullis::docker_test {
namespace {

#ifdef PORTCULLIS_BINARY
constexpr const char* kBinary = PORTCULLIS_BINARY;
#else
constexpr const char* kBinary = "";
#endif

// A port that was free a moment ago (the kernel picks it; we release it for the daemon).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

class Daemon {
 public:
  Daemon(const fs::path& config, const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args = {kBinary, "serve", "--config", config.string()};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, kBinary, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + std::string(kBinary));
  }
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // SIGTERM, then the exit status within the deadline (-1 if it did not exit).
  int Stop(std::chrono::milliseconds deadline) {
    kill(pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  bool Running() { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

TEST(DaemonSmoke, ServesTheClusterConfigWithTheScriptsCertificate) {
  if (std::string(kBinary).empty() || !fs::exists(kBinary)) {
    GTEST_SKIP() << "portcullis binary not built";
  }
  if (!HaveCommand("curl")) GTEST_SKIP() << "curl not installed";
  TempDir dir;
  const auto certs = dir.path() / "certs";
  const auto script = RunCommand(ShellQuote((DockerDir() / "gen-webhook-certs.sh").string()) + " " +
                                 ShellQuote(certs.string()));
  ASSERT_EQ(script.exit_code, 0) << script.output;

  // The ConfigMap's config and Trust Manifests, with only machine paths and ports changed.
  auto config = YAML::Load(
      FindObject("ConfigMap", "portcullis-config")["data"]["config.yaml"].as<std::string>());
  const int tls_port = FreePort();
  const int plain_port = FreePort();
  for (auto listener : config["listen"]) {
    const bool tls = bool(listener["tls"]);
    listener["address"] = "127.0.0.1:" + std::to_string(tls ? tls_port : plain_port);
    if (tls) {
      listener["tls"]["cert"] = (certs / "tls.crt").string();
      listener["tls"]["key"] = (certs / "tls.key").string();
    }
  }
  config["store"]["path"] = (dir.path() / "store").string();
  const auto manifests = dir.path() / "manifests";
  fs::create_directories(manifests);
  for (const auto& item : FindObject("ConfigMap", "portcullis-manifests")["data"]) {
    std::ofstream(manifests / item.first.as<std::string>()) << item.second.as<std::string>();
  }
  config["manifests"][0] = manifests.string() + "/";
  const auto config_file = dir.path() / "config.yaml";
  std::ofstream(config_file) << YAML::Dump(config) << "\n";

  const auto log = dir.path() / "daemon.log";
  Daemon daemon(config_file, log);
  const std::string host = "portcullis.portcullis-system.svc";
  auto get = [&](const std::string& scheme, int port, const std::string& path) {
    const std::string url = scheme + "://" + host + ":" + std::to_string(port) + path;
    return RunCommand("curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert " +
                      ShellQuote((certs / "ca.crt").string()) + " --resolve " + host + ":" +
                      std::to_string(port) + ":127.0.0.1 " + ShellQuote(url));
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (get("https", tls_port, "/healthz").output != "200") {
    ASSERT_TRUE(daemon.Running()) << ReadFile(log);
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "not healthy in time:\n" << ReadFile(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(get("https", tls_port, "/readyz").output, "200");
  EXPECT_EQ(get("http", plain_port, "/readyz").output, "200");
  EXPECT_EQ(daemon.Stop(std::chrono::seconds(35)), 0) << "SIGTERM drains, then exits cleanly\n"
                                                      << ReadFile(log);
}

}  // namespace
}  // namespace portcullis::docker_test
