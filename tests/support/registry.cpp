#include "tests/support/registry.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "tests/support/htpasswd.h"
#include "tests/support/net.h"
#include "tests/support/token_server.h"
#include "tests/support/token_signer.h"

namespace portcullis::testsupport {
namespace {

std::string tail_of_file(const std::string& path, size_t max) {
  try {
    std::string s = read_file(path);
    return s.size() <= max ? s : s.substr(s.size() - max);
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

RegistryAuth RegistryAuth::Htpasswd(std::string username, std::string password) {
  RegistryAuth a;
  a.kind = Kind::Htpasswd;
  a.username = std::move(username);
  a.password = std::move(password);
  return a;
}

RegistryAuth RegistryAuth::Token(const TokenServer& server) {
  RegistryAuth a;
  a.kind = Kind::Token;
  a.realm = server.realm();
  a.service = server.service();
  a.issuer = server.issuer();
  a.root_cert_bundle = server.root_cert_bundle_path();
  return a;
}

DockerRegistry::DockerRegistry(RegistryOptions options) : options_(std::move(options)) {
  storage_dir_ = options_.storage_dir.empty() ? dir_.mkdir("storage") : options_.storage_dir;
  config_path_ = dir_ / "config.yml";
  access_log_path_ = dir_ / "access.log";
  log_path_ = dir_ / "registry.log";
  secret_ = random_hex(16);
  if (options_.auth.kind == RegistryAuth::Kind::Htpasswd) {
    write_file(dir_ / "htpasswd", htpasswd_line(options_.auth.username, options_.auth.password));
  }
  // A free port can be taken between probe and bind; try a few.
  for (int attempt = 0; attempt < (options_.port ? 1 : 3); ++attempt) {
    port_ = options_.port ? options_.port : free_port();
    if (start_once()) return;
  }
  throw std::runtime_error("docker-registry did not start on " + host_port() + "; log:\n" +
                           tail_of_file(log_path_, 3000));
}

DockerRegistry::~DockerRegistry() { stop(); }

std::string DockerRegistry::host_port() const { return "127.0.0.1:" + std::to_string(port_); }
std::string DockerRegistry::url() const { return "http://" + host_port(); }

void DockerRegistry::write_config() {
  std::ostringstream y;
  y << "version: 0.1\n"
       "log:\n"
       "  level: info\n"
       "  formatter: json\n"
       "  accesslog:\n"
       "    disabled: false\n"
       "storage:\n"
       "  cache:\n"
       "    blobdescriptor: inmemory\n"
       "  filesystem:\n"
       "    rootdirectory: "
    << storage_dir_
    << "\n"
       "  delete:\n"
       "    enabled: true\n"
       "  maintenance:\n"
       "    uploadpurging:\n"
       "      enabled: false\n"
       "http:\n"
       "  addr: "
    << host_port() << "\n  secret: " << secret_
    << "\n"
       "  headers:\n"
       "    X-Content-Type-Options: [nosniff]\n";
  const auto& a = options_.auth;
  if (a.kind == RegistryAuth::Kind::Htpasswd) {
    y << "auth:\n  htpasswd:\n    realm: basic-realm\n    path: " << (dir_ / "htpasswd") << "\n";
  } else if (a.kind == RegistryAuth::Kind::Token) {
    y << "auth:\n  token:\n    realm: " << a.realm << "\n    service: " << a.service
      << "\n    issuer: " << a.issuer << "\n    rootcertbundle: " << a.root_cert_bundle << "\n";
  }
  write_file(config_path_, y.str());
}

bool DockerRegistry::start_once() {
  write_config();
  process_ = Process::spawn({"docker-registry", "serve", config_path_},
                            {.stdout_path = access_log_path_, .stderr_path = log_path_});
  // Its own "listening on" line first: whoever else holds a contested port may answer /v2/ too.
  // Only lines written after this start count (restart() reuses the log).
  const std::string listening = "listening on " + host_port();
  std::error_code ec;
  const auto log_start = std::filesystem::file_size(log_path_, ec);
  bool up = wait_until(
      [&] {
        if (!process_.running()) return true;
        std::string log = tail_of_file(log_path_, std::string::npos);
        if (log.find(listening, ec ? 0 : log_start) == std::string::npos) return false;
        int s = http_get_status("127.0.0.1", port_, "/v2/", std::chrono::seconds(2));
        return s == 200 || s == 401;
      },
      std::chrono::seconds(15));
  if (up && process_.running()) return true;
  process_.terminate();
  return false;
}

void DockerRegistry::stop() { process_.terminate(); }

void DockerRegistry::restart() {
  stop();
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (start_once()) return;
  }
  throw std::runtime_error("docker-registry did not restart on " + host_port() + "; log:\n" +
                           tail_of_file(log_path_, 3000));
}

std::vector<AccessLogEntry> DockerRegistry::access_log_requests() const {
  std::string text;
  try {
    text = read_file(access_log_path_);
  } catch (const std::exception&) {
    return {};
  }
  if (access_log_offset_ >= text.size()) return {};
  return parse_access_log(text.substr(access_log_offset_));
}

std::vector<AccessLogEntry> DockerRegistry::wait_for_access_log(
    const std::function<bool(const std::vector<AccessLogEntry>&)>& pred, Duration timeout) const {
  std::vector<AccessLogEntry> entries;
  wait_until(
      [&] {
        entries = access_log_requests();
        return pred(entries);
      },
      timeout);
  return entries;
}

void DockerRegistry::clear_access_log() {
  std::error_code ec;
  auto size = std::filesystem::file_size(access_log_path_, ec);
  access_log_offset_ = ec ? 0 : static_cast<size_t>(size);
}

std::vector<AccessLogEntry> parse_access_log(const std::string& text) {
  std::vector<AccessLogEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    // host - user [time] "METHOD URI PROTO" STATUS BYTES "referer" "user-agent"
    auto q1 = line.find('"');
    if (q1 == std::string::npos) continue;
    auto q2 = line.find('"', q1 + 1);
    if (q2 == std::string::npos) continue;
    std::istringstream req(line.substr(q1 + 1, q2 - q1 - 1));
    AccessLogEntry e;
    std::string proto;
    if (!(req >> e.method >> e.uri >> proto)) continue;
    std::istringstream rest(line.substr(q2 + 1));
    std::string bytes;
    if (!(rest >> e.status >> bytes)) continue;
    e.bytes = bytes == "-" ? 0 : std::atoll(bytes.c_str());
    auto ua_end = line.rfind('"');
    auto ua_start = ua_end == std::string::npos ? ua_end : line.rfind('"', ua_end - 1);
    if (ua_start != std::string::npos && ua_start > q2) {
      e.user_agent = line.substr(ua_start + 1, ua_end - ua_start - 1);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace portcullis::testsupport
