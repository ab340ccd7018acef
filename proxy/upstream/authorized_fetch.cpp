#include "proxy/upstream/authorized_fetch.h"

namespace portcullis::proxy::upstream {

awaitable<boost::system::result<http::response<http::string_body>>> authorized_fetch(
    ConnectionPool& pool, const Origin& origin, RegistryAuth& auth, std::string scopes,
    http::request<http::string_body> req, FetchLimits limits) {
  for (int attempt = 0;; ++attempt) {
    auto authorization = co_await auth.authorization(scopes);
    if (!authorization) co_return authorization.error();
    if (authorization->empty())
      req.erase(http::field::authorization);
    else
      req.set(http::field::authorization, *authorization);
    auto copy = req;  // fetch consumes its request; keep one for the retry
    auto res = co_await fetch(pool, origin, std::move(copy), limits);
    if (!res) co_return res.error();
    if (res->result() == http::status::unauthorized && attempt == 0) {
      scopes = auth.on_unauthorized(scopes, (*res)[http::field::www_authenticate]);
      continue;
    }
    co_return res;
  }
}

}  // namespace portcullis::proxy::upstream
