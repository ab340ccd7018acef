#include "tests/support/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <stdexcept>

namespace portcullis::testsupport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

static bool tcp_connects(const std::string& host, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  bool ok = ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1 &&
            ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool wait_for_tcp(uint16_t port, Duration timeout, const std::string& host) {
  return wait_until([&] { return tcp_connects(host, port); }, timeout);
}

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

HttpResponse http_request(const HttpRequest& req) {
  HttpResponse out;
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    http::request<http::string_body> r;
    r.method_string(req.method);
    r.target(req.target);
    r.version(11);
    r.set(http::field::host, req.host + ":" + std::to_string(req.port));
    r.set(http::field::connection, "close");
    for (const auto& [k, v] : req.headers) r.insert(k, v);
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      r.body() = req.body;
      r.prepare_payload();
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (req.method == "HEAD") parser.skip(true);
    beast::error_code result = asio::error::would_block;
    stream.expires_after(req.timeout);
    asio::ip::tcp::endpoint ep(asio::ip::make_address(req.host), req.port);
    stream.async_connect(ep, [&](beast::error_code ec) {
      if (ec) {
        result = ec;
        return;
      }
      http::async_write(stream, r, [&](beast::error_code ec, size_t) {
        if (ec) {
          result = ec;
          return;
        }
        http::async_read(stream, buf, parser, [&](beast::error_code ec, size_t) { result = ec; });
      });
    });
    ioc.run();
    if (result) {
      out.error = result.message();
      return out;
    }
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.emplace_back(f.name_string(), f.value());
    out.body = std::move(res.body());
  } catch (const std::exception& e) {
    out.status = -1;
    out.error = e.what();
  }
  return out;
}

int http_get_status(const std::string& host, uint16_t port, const std::string& path,
                    Duration timeout) {
  HttpRequest req;
  req.host = host;
  req.port = port;
  req.target = path;
  req.timeout = timeout;
  return http_request(req).status;
}

}  // namespace portcullis::testsupport
