// Runs the real Portcullis server in-process on a free loopback port, from a
// YAML config written to a temp dir (so the config loader is exercised too).
#pragma once

#include <boost/asio.hpp>

#include <memory>
#include <string>

#include "config/daemon_config.h"
#include "proxy/server.h"
#include "tests/support/fs.h"
#include "tests/support/net.h"

namespace portcullis::testing {

struct ProxyUpstream {
  std::string name;
  std::string url;
  std::string username{};
  std::string password{};
};

struct ProxyOptions {
  std::vector<ProxyUpstream> upstreams;
  std::string default_upstream{};
  std::string htpasswd_file{};
  std::string extra_yaml{};  // appended verbatim (timeouts:, limits:, ...)
  std::string store_path{};  // empty: a fresh store in the instance's temp dir
  // Set both for a second listener, with TLS, on another free port (see tls_port()).
  std::string tls_cert{};
  std::string tls_key{};
};

class ProxyInstance {
 public:
  explicit ProxyInstance(const ProxyOptions& options) {
    std::string yaml = "listen:\n  - address: 127.0.0.1:0\n";
    if (!options.default_upstream.empty()) yaml += "    defaultUpstream: " + options.default_upstream + "\n";
    if (!options.tls_cert.empty())
      yaml += "  - address: 127.0.0.1:0\n    tls: {cert: " + options.tls_cert + ", key: " + options.tls_key + "}\n";
    yaml += "upstreams:\n";
    for (const auto& u : options.upstreams) {
      yaml += "  - name: \"" + u.name + "\"\n    url: " + u.url + "\n";
      if (!u.username.empty()) yaml += "    auth: {username: " + u.username + ", password: \"" + u.password + "\"}\n";
    }
    if (!options.htpasswd_file.empty()) yaml += "clientAuth: {htpasswd: " + options.htpasswd_file + "}\n";
    const std::string store = options.store_path.empty() ? dir_.path() + "/store" : options.store_path;
    yaml += "store: {path: " + store + "}\n";
    yaml += "accessLog: " + dir_.path() + "/access.log\n";
    yaml += options.extra_yaml;
    config_path_ = dir_.path() + "/portcullis.yaml";
    testsupport::write_file(config_path_, yaml);
    server_ = std::make_unique<proxy::Server>(config::load_daemon_config(config_path_));
    server_->start(2);
    port_ = server_->ports().at(0);
    if (!options.tls_cert.empty()) tls_port_ = server_->ports().at(1);
  }

  uint16_t port() const { return port_; }
  uint16_t tls_port() const { return tls_port_; }  // 0 without ProxyOptions::tls_cert
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string access_log() const { return testsupport::read_file(dir_.path() + "/access.log"); }
  const std::string& dir() const { return dir_.path(); }
  proxy::Server& server() { return *server_; }

  testsupport::HttpResponse request(const std::string& method, const std::string& target,
                                    std::vector<std::pair<std::string, std::string>> headers = {},
                                    std::string body = {}) const {
    testsupport::HttpRequest req;
    req.method = method;
    req.port = port_;
    req.target = target;
    req.headers = std::move(headers);
    req.body = std::move(body);
    return testsupport::http_request(req);
  }

 private:
  testsupport::TempDir dir_{"portcullis-proxy"};
  std::string config_path_;
  std::unique_ptr<proxy::Server> server_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
};

}  // namespace portcullis::testing
