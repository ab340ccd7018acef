// docker-registry (CNCF distribution 2.8) on 127.0.0.1, with its storage, config and logs in a
// temp dir. Auth: none, htpasswd (bcrypt) or token (see token_server.h).
#pragma once

#include <signal.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/fs.h"
#include "tests/support/process.h"

namespace portcullis::testsupport {

class TokenServer;

struct RegistryAuth {
  enum class Kind { None, Htpasswd, Token };
  Kind kind = Kind::None;
  std::string username{};  // Htpasswd
  std::string password{};
  std::string realm{};  // Token: copied from the server, which must outlive the registry
  std::string service{};
  std::string issuer{};
  std::string root_cert_bundle{};

  static RegistryAuth None() { return {}; }
  static RegistryAuth Htpasswd(std::string username, std::string password);
  static RegistryAuth Token(const TokenServer& server);
};

struct RegistryOptions {
  RegistryAuth auth{};
  std::string storage_dir{};  // empty: a temp dir owned by the registry
  uint16_t port = 0;          // 0: a free port (retried on a bind race); else exactly this one
};

// One line of the registry's access log (Apache combined format on its stdout).
struct AccessLogEntry {
  std::string method;
  std::string uri;  // path and query as requested
  int status = 0;
  long long bytes = 0;  // response body bytes written
  std::string user_agent;

  std::string path() const { return uri.substr(0, uri.find('?')); }  // uri without the query
};

class DockerRegistry {
 public:
  // Starts it and waits until /v2/ answers (200 or 401). Throws std::runtime_error with the
  // registry's log if it does not come up within 15 s.
  explicit DockerRegistry(RegistryOptions options = {});
  ~DockerRegistry();
  DockerRegistry(const DockerRegistry&) = delete;
  DockerRegistry& operator=(const DockerRegistry&) = delete;

  uint16_t port() const { return port_; }
  std::string host_port() const;  // 127.0.0.1:PORT
  std::string url() const;        // http://127.0.0.1:PORT
  const std::string& storage_dir() const { return storage_dir_; }
  const std::string& config_path() const { return config_path_; }
  const std::string& access_log_path() const { return access_log_path_; }
  const std::string& log_path() const { return log_path_; }  // JSON app log (stderr)
  const RegistryAuth& auth() const { return options_.auth; }

  // Entries since construction or the last clear_access_log().
  std::vector<AccessLogEntry> access_log_requests() const;
  // The registry writes a line just after the response, so a client may finish first: poll.
  std::vector<AccessLogEntry> wait_for_access_log(
      const std::function<bool(const std::vector<AccessLogEntry>&)>& pred,
      Duration timeout = std::chrono::seconds(5)) const;
  void clear_access_log();

  bool running() { return process_.running(); }
  void stop();     // SIGTERM, then SIGKILL after 5 s; idempotent
  void restart();  // same port, storage and secret
  // Sends `sig` (SIGKILL: an upstream that dies mid-transfer; SIGSTOP: one that hangs).
  void kill(int sig = SIGKILL) { process_.kill(sig); }

 private:
  void write_config();
  bool start_once();

  RegistryOptions options_;
  TempDir dir_{"docker-registry"};
  std::string storage_dir_;
  std::string config_path_;
  std::string access_log_path_;
  std::string log_path_;
  std::string secret_;
  uint16_t port_ = 0;
  size_t access_log_offset_ = 0;
  Process process_;
};

// Parses Apache combined log lines ("GET /v2/ HTTP/1.1" 200 2 "" "ua"); skips other lines.
std::vector<AccessLogEntry> parse_access_log(const std::string& text);

}  // namespace portcullis::testsupport
