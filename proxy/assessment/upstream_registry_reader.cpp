#include "proxy/assessment/upstream_registry_reader.h"

#include <boost/url.hpp>

#include "proxy/assessment/io_bridge.h"
#include "proxy/assessment/upstream_blob_stream.h"
#include "proxy/store/digest.h"
#include "proxy/upstream/fetch.h"

namespace portcullis::proxy::assessment {
namespace {

awaitable<Result<FetchedManifest>> fetch_manifest(upstream::RegistryAuth& auth,
                                                  upstream::ConnectionPool& pool,
                                                  upstream::Origin origin,
                                                  UpstreamReaderOptions options,
                                                  std::string repository, std::string reference,
                                                  uint64_t max_bytes) {
  const std::string target = "/v2/" + repository + "/manifests/" + reference;
  const std::string what = "GET " + target;
  std::string scopes = upstream::repository_scope(repository, "pull");
  upstream::FetchLimits limits;
  limits.max_body = max_bytes;
  limits.max_header = options.max_header_bytes;
  limits.timeout = options.header_timeout + options.idle_timeout;
  for (int attempt = 0;; ++attempt) {
    auto authorization = co_await auth.authorization(scopes);
    if (!authorization) {
      Error e = make_error(Errc::upstream, "authenticating to " + origin.key() +
                                               " failed: " + authorization.error().message());
      co_return e;
    }
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::accept, kManifestAccept);
    if (!authorization->empty()) req.set(http::field::authorization, *authorization);
    auto res = co_await upstream::fetch(pool, origin, std::move(req), limits);
    if (!res) {
      const bool too_large = res.error() == http::error::body_limit;
      Error e = too_large ? make_error(Errc::too_large, what + ": the manifest is larger than " +
                                                            std::to_string(max_bytes) + " bytes")
                          : make_error(Errc::upstream, what + ": " + res.error().message());
      co_return e;
    }
    if (res->result() == http::status::unauthorized && attempt == 0) {
      scopes = auth.on_unauthorized(scopes, res->base()[http::field::www_authenticate]);
      continue;
    }
    if (res->result() != http::status::ok) {
      Error e = status_error(res->result(), what);
      co_return e;
    }
    FetchedManifest m;
    m.media_type = std::string(res->base()[http::field::content_type]);
    m.bytes = std::move(res->body());
    m.digest = is_valid_digest(reference) ? reference : store::sha256_digest(m.bytes);
    co_return m;
  }
}

bool same_host(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

Error status_error(http::status status, const std::string& what) {
  const std::string answered =
      what + ": the upstream answered " + std::to_string(static_cast<int>(status));
  switch (status) {
    case http::status::not_found:
      return make_error(Errc::not_found, answered + " (not found)");
    case http::status::unauthorized:
    case http::status::forbidden:
      return make_error(Errc::unauthorized,
                        answered + " (the configured credentials were refused)");
    default:
      return make_error(Errc::upstream, answered);
  }
}

std::optional<std::string> same_origin_target(const upstream::Origin& origin,
                                              std::string_view current_target,
                                              std::string_view location) {
  auto ref = boost::urls::parse_uri_reference(location);
  if (!ref || location.empty()) return std::nullopt;
  const std::string base_text = origin.url() + std::string(current_target);  // outlives the view
  auto base = boost::urls::parse_uri(base_text);
  if (!base) return std::nullopt;
  boost::urls::url dest(*base);
  if (!dest.resolve(*ref)) return std::nullopt;
  const std::string scheme = origin.tls ? "https" : "http";
  if (dest.scheme() != scheme) return std::nullopt;
  if (!same_host(dest.host_address(), origin.host)) return std::nullopt;
  const std::string port = dest.has_port() ? std::string(dest.port()) : (origin.tls ? "443" : "80");
  if (port != origin.port) return std::nullopt;
  std::string target(dest.encoded_path());
  if (target.empty()) target = "/";
  if (dest.has_query()) target += "?" + std::string(dest.encoded_query());
  return target;
}

std::optional<upstream::Origin> storage_redirect(const upstream::Origin& upstream_origin,
                                                 std::string_view location) {
  auto url = boost::urls::parse_absolute_uri(location);
  if (!url) return std::nullopt;
  const bool https = url->scheme() == "https";
  // Plain http only when the upstream itself is plain http (a lab or a test);
  // a TLS upstream never hands its blobs to an unauthenticated channel.
  if (!https && !(url->scheme() == "http" && !upstream_origin.tls)) return std::nullopt;
  static const auto system_trust = upstream::make_client_tls_context("", false);
  const std::string base = std::string(url->scheme()) + "://" + std::string(url->encoded_authority());
  auto origin = upstream::parse_origin(base, https ? system_trust : nullptr);
  if (!origin) return std::nullopt;
  return std::move(*origin);
}

std::string storage_target(std::string_view location) {
  auto url = boost::urls::parse_absolute_uri(location);
  if (!url) return "/";
  std::string target(url->encoded_path());
  if (target.empty()) target = "/";
  if (url->has_query()) target += "?" + std::string(url->encoded_query());
  return target;
}

UpstreamRegistryReader::UpstreamRegistryReader(asio::any_io_executor executor,
                                               upstream::Origin origin,
                                               upstream::RegistryAuth& auth,
                                               upstream::ConnectionPool& pool,
                                               UpstreamReaderOptions options)
    : executor_(std::move(executor)),
      origin_(std::move(origin)),
      auth_(auth),
      pool_(pool),
      options_(options) {}

Result<FetchedManifest> UpstreamRegistryReader::manifest(std::string_view repository,
                                                         std::string_view reference,
                                                         uint64_t max_bytes) {
  if (!is_valid_repository(repository) || !is_valid_reference(reference))
    return make_error(Errc::invalid, "malformed repository or reference");
  if (on_io_thread(executor_))
    return make_error(Errc::upstream, "RegistryReader::manifest called on an I/O thread");
  ++manifest_requests_;
  auto future =
      asio::co_spawn(executor_,
                     fetch_manifest(auth_, pool_, origin_, options_, std::string(repository),
                                    std::string(reference), max_bytes),
                     asio::use_future);
  Error error;
  auto result = wait_on_io(future, executor_,
                           std::chrono::steady_clock::now() + options_.call_deadline, error);
  if (!result) return error;
  return std::move(*result);
}

Result<std::unique_ptr<scanner::ByteSource>> UpstreamRegistryReader::blob(
    std::string_view repository, std::string_view digest, uint64_t max_bytes) {
  if (!is_valid_repository(repository) || !is_valid_digest(digest))
    return make_error(Errc::invalid, "malformed repository or digest");
  if (on_io_thread(executor_))
    return make_error(Errc::upstream, "RegistryReader::blob called on an I/O thread");
  ++blob_requests_;
  BlobRequest request{
      executor_,           origin_,  &auth_, &pool_, options_, std::string(repository),
      std::string(digest), max_bytes};
  return make_upstream_blob_source(std::move(request));
}

}  // namespace portcullis::proxy::assessment
