// The daemon configuration: schema, defaults and the YAML loader.
// Loading happens at start-up, so errors are exceptions carrying every
// problem as "file:line:col: message".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace portcullis::config {

struct TlsFiles {
  std::string cert;
  std::string key;
};

struct Listener {
  std::string host;   // "127.0.0.1", "0.0.0.0", "::"
  uint16_t port = 0;  // 0 = pick a free port (tests)
  std::optional<TlsFiles> tls;
  std::string default_upstream;  // empty = none
};

struct UpstreamAuth {
  std::string username;
  std::string password;
  std::string password_file;  // read at start-up when set (keeps secrets out of the config)
};

struct Upstream {
  std::string name;  // registry host name that clients use
  std::string url;   // where it really is: http(s)://host[:port]
  std::optional<UpstreamAuth> auth;
  std::string ca;  // CA bundle file; empty = system store
  bool insecure_skip_verify = false;
};

struct ClientAuth {
  std::string htpasswd;  // path to bcrypt htpasswd file; empty = open
};

struct Store {
  std::string path = "/var/lib/portcullis";
  uint64_t max_bytes = 2ull << 30;
};

struct Timeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds header{30'000};
  std::chrono::milliseconds idle_body{60'000};
  std::chrono::milliseconds drain{30'000};
};

struct Limits {
  uint64_t max_manifest_bytes = 4ull << 20;
  uint64_t max_upload_bytes = 64ull << 30;  // one PATCH/PUT body
  uint32_t max_header_bytes = 16 * 1024;
  uint32_t relay_buffer_bytes = 256 * 1024;
};

struct Admission {
  std::chrono::milliseconds deadline{3'000};
  std::vector<std::string> exempt_namespaces{"kube-system", "portcullis-system"};
};

// Signing on push (`signing:`), and the identity check on verification.
// Key and passphrase files are read when the daemon starts (PushSigner),
// which reports problems at `location` / `repository_locations`.
struct Signing {
  std::string key;  // PEM private key file (PKCS#8, optionally encrypted); empty: no signing
  std::string passphrase_file;            // the passphrase, read from this file ...
  std::string passphrase_env;             // ... or from this environment variable
  std::vector<std::string> repositories;  // glob patterns of repositories whose pushes are signed
  std::vector<std::string> repository_locations;  // "file:line:col" of each pattern
  // On verification, critical.identity.docker-reference must name the
  // repository being judged ("<upstream name>/<repository>").
  bool identity = false;
  std::string location;  // "file:line:col" of the section
};

struct DaemonConfig {
  std::string source_file;  // where it was loaded from (for relative paths)
  std::vector<Listener> listen;
  std::vector<Upstream> upstreams;
  ClientAuth client_auth;
  Store store;
  std::vector<std::string> manifests;  // files or directories, resolved
  std::string cluster = "default";
  bool strict_blobs = true;
  std::string access_log = "-";  // "-" = stdout, "" = off, else a file
  Timeouts timeouts;
  Limits limits;
  Admission admission;
  std::optional<Signing> signing;
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Parses and validates; throws ConfigError listing every problem found.
DaemonConfig load_daemon_config(const std::string& path);
DaemonConfig parse_daemon_config(const std::string& yaml_text, const std::string& display_name,
                                 const std::string& base_dir);

}  // namespace portcullis::config
