#include "proxy/upstream/origin.h"

#include <boost/url.hpp>

namespace portcullis::proxy::upstream {

boost::system::result<Origin> parse_origin(std::string_view url, std::shared_ptr<ssl::context> ssl_ctx) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return parsed.error();
  Origin o;
  const auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https)
    return make_error_code(boost::system::errc::protocol_not_supported);
  o.tls = scheme == boost::urls::scheme::https;
  o.host = parsed->host_address();
  if (o.host.empty()) return make_error_code(boost::system::errc::invalid_argument);
  o.port = parsed->has_port() ? std::string(parsed->port()) : (o.tls ? "443" : "80");
  if (o.tls) o.ssl_ctx = ssl_ctx ? ssl_ctx : make_client_tls_context("", false);
  return o;
}

std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file, bool insecure) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (insecure) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer);
  if (ca_file.empty()) ctx->set_default_verify_paths();
  else ctx->load_verify_file(ca_file);  // throws at start-up on a bad file
  return ctx;
}

}  // namespace portcullis::proxy::upstream
