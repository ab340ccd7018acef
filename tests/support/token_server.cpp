#include "tests/support/token_server.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace portcullis::testsupport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

std::string rfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Several scopes may share one parameter, separated by spaces ('+' in a form body).
void split_spaces(std::string s, std::vector<std::string>& out) {
  std::replace(s.begin(), s.end(), '+', ' ');
  std::istringstream in(s);
  std::string item;
  while (in >> item) out.push_back(item);
}

// Credentials from "Authorization: Basic ..."; false if absent or malformed.
bool basic_credentials(const std::string& header, std::string& user, std::string& pass) {
  if (header.size() < 6 ||
      !std::equal(header.begin(), header.begin() + 6, "Basic ",
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return false;
  }
  std::string decoded = base64_decode(header.substr(6));
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  pass = decoded.substr(colon + 1);
  return true;
}

}  // namespace

bool parse_scope(const std::string& scope, ResourceAccess& out) {
  auto first = scope.find(':');
  auto last = scope.rfind(':');
  if (first == std::string::npos || last == first) return false;
  out.type = scope.substr(0, first);
  out.name = scope.substr(first + 1, last - first - 1);
  out.actions.clear();
  std::string actions = scope.substr(last + 1);
  size_t pos = 0;
  while (pos <= actions.size()) {
    auto comma = actions.find(',', pos);
    if (comma == std::string::npos) comma = actions.size();
    if (comma > pos) out.actions.push_back(actions.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return !out.type.empty() && !out.name.empty();
}

struct TokenServer::Impl {
  TokenServerOptions options;
  TokenSigner signer;
  TempDir dir{"token-server"};
  std::string bundle_path;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  mutable std::mutex mu;
  std::vector<TokenRequest> requests;
  std::chrono::seconds lifetime;

  explicit Impl(TokenServerOptions opts)
      : options(std::move(opts)), signer(options.key_type), lifetime(options.lifetime) {
    bundle_path = dir / "rootcertbundle.pem";
    write_file(bundle_path, signer.cert_pem());
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    accept();
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    asio::post(ioc, [this] {
      beast::error_code ec;
      acceptor.close(ec);
      ioc.stop();
    });
    if (thread.joinable()) thread.join();
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed
      std::make_shared<Session>(this, std::move(socket))->read();
      accept();
    });
  }

  std::string mint(const std::string& subject, const std::vector<ResourceAccess>& access,
                   std::chrono::seconds life) const {
    const std::time_t now = std::time(nullptr);
    json acc = json::array();
    for (const auto& a : access) {
      acc.push_back({{"type", a.type}, {"name", a.name}, {"actions", a.actions}});
    }
    json claims = {{"iss", options.issuer},     {"sub", subject}, {"aud", options.service},
                   {"exp", now + life.count()}, {"nbf", now - 1}, {"iat", now},
                   {"jti", random_hex(16)},     {"access", acc}};
    return signer.sign(claims.dump(), options.key_ref);
  }

  // Who is asking: a configured user, "" for anonymous, or nullptr for refused credentials.
  const TokenUser* authenticate(const std::string& user, const std::string& pass, bool given,
                                bool& refused) const {
    refused = false;
    if (!given) {
      refused = !options.allow_anonymous;
      return nullptr;
    }
    for (const auto& u : options.users) {
      if (u.name == user && u.password == pass) return &u;
    }
    refused = true;
    return nullptr;
  }

  std::vector<ResourceAccess> grant(const TokenUser* user,
                                    const std::vector<std::string>& scopes) const {
    std::vector<ResourceAccess> out;
    for (const auto& s : scopes) {
      ResourceAccess ra;
      if (!parse_scope(s, ra)) continue;
      std::vector<std::string> allowed;
      for (const auto& a : ra.actions) {
        bool ok = user ? std::any_of(user->actions.begin(), user->actions.end(),
                                     [&](const std::string& x) { return x == "*" || x == a; })
                       : a == "pull";
        if (ok) allowed.push_back(a);
      }
      ra.actions = allowed;
      out.push_back(ra);
    }
    return out;
  }

  http::response<http::string_body> handle(const http::request<http::string_body>& req) {
    TokenRequest record;
    record.method = std::string(req.method_string());
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, "application/json");

    auto target = boost::urls::parse_origin_form(req.target());
    bool is_token = target && target->path() == "/token";
    std::string user, pass;
    bool given = false;
    std::vector<std::string> scopes;
    if (is_token && req.method() == http::verb::get) {
      for (auto p : target->params()) {
        if (p.key == "service") record.service = p.value;
        if (p.key == "scope") split_spaces(p.value, scopes);
      }
      given = basic_credentials(std::string(req[http::field::authorization]), user, pass);
    } else if (is_token && req.method() == http::verb::post) {
      // A form body is a query string; parse it as one to get decoded values.
      const std::string as_target = "/?" + req.body();  // the view below points into it
      auto form = boost::urls::parse_origin_form(as_target);
      std::string grant_type;
      if (form) {
        for (auto p : form->params()) {
          if (p.key == "grant_type") grant_type = p.value;
          if (p.key == "service") record.service = p.value;
          if (p.key == "scope") split_spaces(p.value, scopes);
          if (p.key == "username") user = p.value;
          if (p.key == "password") pass = p.value;
        }
      }
      given = grant_type == "password";
      if (grant_type != "password") {
        record.scopes = scopes;
        return finish(std::move(record), std::move(res), http::status::bad_request,
                      json{{"error", "unsupported_grant_type"}}.dump());
      }
    } else {
      return finish(std::move(record), std::move(res), http::status::not_found,
                    R"({"errors":[{"code":"NOT_FOUND","message":"only /token is served"}]})");
    }
    record.scopes = scopes;

    bool refused = false;
    const TokenUser* who = authenticate(user, pass, given, refused);
    if (refused) {
      res.set(http::field::www_authenticate, "Basic realm=\"portcullis-test-token\"");
      return finish(std::move(record), std::move(res), http::status::unauthorized,
                    R"({"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]})");
    }
    record.account = who ? who->name : "";
    std::chrono::seconds life;
    {
      std::lock_guard lock(mu);
      life = lifetime;
    }
    std::string token = mint(record.account, grant(who, scopes), life);
    json body = {{"token", token},
                 {"access_token", token},
                 {"expires_in", life.count()},
                 {"issued_at", rfc3339(std::time(nullptr))}};
    if (req.method() == http::verb::post) body.erase("token");
    return finish(std::move(record), std::move(res), http::status::ok, body.dump());
  }

  http::response<http::string_body> finish(TokenRequest record,
                                           http::response<http::string_body> res,
                                           http::status status, std::string body) {
    res.result(status);
    res.body() = std::move(body);
    res.prepare_payload();
    record.status = static_cast<int>(status);
    if (status != http::status::ok) record.account.clear();
    std::lock_guard lock(mu);
    requests.push_back(std::move(record));
    return res;
  }

  struct Session : std::enable_shared_from_this<Session> {
    Impl* server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;

    Session(Impl* s, tcp::socket socket) : server(s), stream(std::move(socket)) {}

    void read() {
      req = {};
      stream.expires_after(std::chrono::seconds(30));
      http::async_read(
          stream, buffer, req, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return self->close();
            self->res = self->server->handle(self->req);
            http::async_write(self->stream, self->res, [self](beast::error_code ec, size_t) {
              if (ec || !self->res.keep_alive()) return self->close();
              self->read();
            });
          });
    }

    void close() {
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  };
};

TokenServer::TokenServer(TokenServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

TokenServer::~TokenServer() = default;

uint16_t TokenServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string TokenServer::realm() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/token";
}

const std::string& TokenServer::service() const { return impl_->options.service; }
const std::string& TokenServer::issuer() const { return impl_->options.issuer; }
const std::string& TokenServer::root_cert_bundle_path() const { return impl_->bundle_path; }

size_t TokenServer::request_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests.size();
}

size_t TokenServer::issued_count() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<size_t>(std::count_if(impl_->requests.begin(), impl_->requests.end(),
                                           [](const TokenRequest& r) { return r.status == 200; }));
}

std::vector<TokenRequest> TokenServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

void TokenServer::clear_requests() {
  std::lock_guard lock(impl_->mu);
  impl_->requests.clear();
}

void TokenServer::set_lifetime(std::chrono::seconds lifetime) {
  std::lock_guard lock(impl_->mu);
  impl_->lifetime = lifetime;
}

std::string TokenServer::issue(const std::string& subject,
                               const std::vector<ResourceAccess>& access,
                               std::chrono::seconds lifetime) const {
  return impl_->mint(subject, access, lifetime);
}

}  // namespace portcullis::testsupport
