// Where an upstream (or its token realm) really is: scheme, host, port, TLS trust.
#pragma once

#include <boost/system/result.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "proxy/net/asio.h"

namespace portcullis::proxy::upstream {

struct Origin {
  bool tls = false;
  std::string host;
  std::string port;
  std::shared_ptr<ssl::context> ssl_ctx;  // set when tls

  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
  std::string url() const { return (tls ? "https://" : "http://") + host_header(); }
  // Host header value; the port is omitted when it is the scheme's default.
  std::string host_header() const {
    const bool default_port = (tls && port == "443") || (!tls && port == "80");
    const bool ipv6 = host.find(':') != std::string::npos;
    const auto h = ipv6 ? "[" + host + "]" : host;
    return default_port ? h : h + ":" + port;
  }
};

boost::system::result<Origin> parse_origin(std::string_view url, std::shared_ptr<ssl::context> ssl_ctx);

// A client TLS context: verify against `ca_file` (or the system store when
// empty); `insecure` disables verification (loudly logged by the caller).
std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file, bool insecure);

}  // namespace portcullis::proxy::upstream
