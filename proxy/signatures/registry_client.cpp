#include "proxy/signatures/registry_client.h"

#include <boost/url.hpp>

#include "proxy/assessment/registry_reader.h"
#include "proxy/assessment/upstream_registry_reader.h"
#include "proxy/registry/upstreams.h"
#include "proxy/store/digest.h"
#include "proxy/upstream/authorized_fetch.h"

namespace portcullis::proxy::signatures {
namespace {

constexpr int kMaxRedirects = 3;

bool is_redirect(http::status s) {
  return s == http::status::moved_permanently || s == http::status::found ||
         s == http::status::see_other || s == http::status::temporary_redirect ||
         s == http::status::permanent_redirect;
}

// A storage redirect (e.g. to a CDN) is followed without credentials: the
// bytes are checked against their digest anyway. One TLS context with the
// system trust store serves every such origin.
// Where `location` sends a blob GET next: within the upstream, or to blob
// storage (the same rules as the assessment's blob reader: https only, no
// credentials, plain http only behind a plain-http upstream).
std::optional<std::pair<upstream::Origin, std::string>> redirect_target(
    const upstream::Origin& upstream_origin, const upstream::Origin& current_origin,
    const std::string& current_target, std::string_view location) {
  if (current_origin.key() == upstream_origin.key()) {
    if (auto same = assessment::same_origin_target(current_origin, current_target, location))
      return std::make_pair(current_origin, *same);
  }
  if (auto storage = assessment::storage_redirect(upstream_origin, location))
    return std::make_pair(*storage, assessment::storage_target(location));
  return std::nullopt;
}

Error transport_error(const std::string& what, const error_code& ec, uint64_t max_body) {
  if (ec == http::error::body_limit)
    return assessment::make_error(Errc::too_large, what + ": the answer is larger than " +
                                                       std::to_string(max_body) + " bytes");
  return assessment::make_error(Errc::upstream, what + ": " + ec.message());
}

std::string header(const http::response<http::string_body>& res, http::field f) {
  return std::string(res.base()[f]);
}

}  // namespace

Error answer_error(const std::string& what, http::status status) {
  return assessment::status_error(status, what);
}

RegistryClient::RegistryClient(upstream::ConnectionPool& pool, registry::UpstreamRuntime& upstream,
                               std::string repository, std::string scopes,
                               upstream::FetchLimits limits)
    : pool_(pool),
      upstream_(upstream),
      repository_(std::move(repository)),
      scopes_(std::move(scopes)),
      limits_(limits) {}

awaitable<Result<http::response<http::string_body>>> RegistryClient::send(
    http::request<http::string_body> req, uint64_t max_body) {
  const std::string what =
      std::string(req.method_string()) + " " + upstream_.origin.url() + std::string(req.target());
  upstream::FetchLimits limits = limits_;
  limits.max_body = max_body;
  ++requests_;
  auto res = co_await upstream::authorized_fetch(pool_, upstream_.origin, *upstream_.auth, scopes_,
                                                 std::move(req), limits);
  if (!res) {
    Error e = transport_error(what, res.error(), max_body);
    co_return e;
  }
  if (res->result() == http::status::unauthorized || res->result() == http::status::forbidden) {
    Error e = answer_error(what, res->result());
    co_return e;
  }
  co_return std::move(*res);
}

awaitable<Result<std::optional<std::string>>> RegistryClient::manifest_digest(
    std::string reference) {
  const std::string target = "/v2/" + repository_ + "/manifests/" + reference;
  http::request<http::string_body> req{http::verb::head, target, 11};
  req.set(http::field::accept, assessment::kManifestAccept);
  auto res = co_await send(std::move(req), 0);
  if (!res) co_return res.error();
  if (res->result() == http::status::not_found) co_return std::optional<std::string>();
  if (res->result() != http::status::ok) {
    Error e = answer_error("HEAD " + target, res->result());
    co_return e;
  }
  const std::string digest(res->base()["Docker-Content-Digest"]);
  if (assessment::is_valid_digest(digest)) co_return std::optional<std::string>(digest);
  // No digest header: learn it from the bytes.
  auto doc = co_await manifest(reference, limits_.max_body);
  if (!doc) co_return doc.error();
  if (!*doc) co_return std::optional<std::string>();
  co_return std::optional<std::string>((*doc)->digest);
}

awaitable<Result<std::optional<FetchedDocument>>> RegistryClient::manifest(std::string reference,
                                                                           uint64_t max_bytes) {
  const std::string target = "/v2/" + repository_ + "/manifests/" + reference;
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::accept, assessment::kManifestAccept);
  auto res = co_await send(std::move(req), max_bytes);
  if (!res) co_return res.error();
  if (res->result() == http::status::not_found) co_return std::optional<FetchedDocument>();
  if (res->result() != http::status::ok) {
    Error e = answer_error("GET " + target, res->result());
    co_return e;
  }
  FetchedDocument doc;
  doc.media_type = header(*res, http::field::content_type);
  doc.bytes = std::move(res->body());
  doc.digest = store::sha256_digest(doc.bytes);
  if (assessment::is_valid_digest(reference) && reference != doc.digest) {
    Error e = assessment::make_error(Errc::upstream, "GET " + target + ": the bytes have digest " +
                                                         doc.digest + ", not the one requested");
    co_return e;
  }
  co_return std::optional<FetchedDocument>(std::move(doc));
}

awaitable<Result<std::optional<std::string>>> RegistryClient::referrers(std::string digest,
                                                                        uint64_t max_bytes) {
  const std::string target = "/v2/" + repository_ + "/referrers/" + digest;
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::accept, "application/vnd.oci.image.index.v1+json");
  auto res = co_await send(std::move(req), max_bytes);
  if (!res) {
    // A registry without the API may refuse the route with 401/403 too.
    if (res.error().code == Errc::unauthorized) co_return std::optional<std::string>();
    co_return res.error();
  }
  const int status = res->result_int();
  if (status == 200) co_return std::optional<std::string>(std::move(res->body()));
  if (status >= 400 && status < 500 && status != 408 && status != 429)
    co_return std::optional<std::string>();
  Error e = answer_error("GET " + target, res->result());
  co_return e;
}

awaitable<Result<std::string>> RegistryClient::blob(std::string digest, uint64_t max_bytes) {
  std::string target = "/v2/" + repository_ + "/blobs/" + digest;
  upstream::Origin origin = upstream_.origin;
  bool own_origin = true;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    Result<http::response<http::string_body>> res = assessment::make_error(Errc::upstream, "");
    if (own_origin) {
      res = co_await send(std::move(req), max_bytes);
    } else {
      upstream::FetchLimits limits = limits_;
      limits.max_body = max_bytes;
      ++requests_;
      auto plain = co_await upstream::fetch(pool_, origin, std::move(req), limits);
      if (plain)
        res = std::move(*plain);
      else
        res = transport_error("GET " + origin.url() + target, plain.error(), max_bytes);
    }
    if (!res) co_return res.error();
    if (is_redirect(res->result())) {
      auto next =
          redirect_target(upstream_.origin, origin, target, res->base()[http::field::location]);
      if (!next) break;
      own_origin = own_origin && next->first.key() == upstream_.origin.key();
      origin = next->first;
      target = next->second;
      continue;
    }
    if (res->result() != http::status::ok) {
      Error e = answer_error("GET " + origin.url() + target, res->result());
      co_return e;
    }
    co_return std::move(res->body());
  }
  Error e = assessment::make_error(Errc::upstream, "GET /v2/" + repository_ + "/blobs/" + digest +
                                                       ": too many or malformed redirects");
  co_return e;
}

awaitable<Result<void>> RegistryClient::upload_blob(std::string digest, std::string bytes) {
  const std::string blob_target = "/v2/" + repository_ + "/blobs/" + digest;
  http::request<http::string_body> head{http::verb::head, blob_target, 11};
  auto exists = co_await send(std::move(head), 0);
  if (!exists) co_return exists.error();
  if (exists->result() == http::status::ok) co_return Result<void>();

  const std::string start_target = "/v2/" + repository_ + "/blobs/uploads/";
  http::request<http::string_body> post{http::verb::post, start_target, 11};
  auto started = co_await send(std::move(post), 64 * 1024);
  if (!started) co_return started.error();
  if (started->result() != http::status::accepted) {
    Error e = answer_error("POST " + start_target, started->result());
    co_return e;
  }
  const auto location = assessment::same_origin_target(upstream_.origin, start_target,
                                                       started->base()[http::field::location]);
  if (!location) {
    Error e = assessment::make_error(Errc::upstream,
                                     "POST " + start_target + ": the upload Location \"" +
                                         std::string(started->base()[http::field::location]) +
                                         "\" is missing or on another origin");
    co_return e;
  }
  const std::string put_target =
      *location + (location->find('?') == std::string::npos ? "?" : "&") + "digest=" + digest;
  http::request<http::string_body> put{http::verb::put, put_target, 11};
  put.set(http::field::content_type, "application/octet-stream");
  put.body() = std::move(bytes);
  auto done = co_await send(std::move(put), 64 * 1024);
  if (!done) co_return done.error();
  if (done->result() != http::status::created) {
    Error e = answer_error("PUT " + blob_target + " upload", done->result());
    co_return e;
  }
  co_return Result<void>();
}

awaitable<Result<std::string>> RegistryClient::put_manifest(std::string reference,
                                                            std::string media_type,
                                                            std::string bytes) {
  const std::string target = "/v2/" + repository_ + "/manifests/" + reference;
  const std::string digest = store::sha256_digest(bytes);
  http::request<http::string_body> put{http::verb::put, target, 11};
  put.set(http::field::content_type, media_type);
  put.body() = std::move(bytes);
  auto res = co_await send(std::move(put), 64 * 1024);
  if (!res) co_return res.error();
  if (res->result() != http::status::created) {
    std::string detail(res->body().substr(0, 512));
    Error e = answer_error("PUT " + target, res->result());
    if (!detail.empty()) e.message += ": " + detail;
    co_return e;
  }
  std::string reported(res->base()["Docker-Content-Digest"]);
  if (!reported.empty() && reported != digest) {
    Error e = assessment::make_error(
        Errc::upstream, "PUT " + target + ": the upstream stored " + reported + ", not " + digest);
    co_return e;
  }
  co_return digest;
}

}  // namespace portcullis::proxy::signatures
