// The few registry requests signatures need, over the proxy's upstream client:
// manifests by tag or digest, small blobs, blob uploads and manifest PUTs.
// Every body is buffered and bounded (signature documents are small); every
// request carries Portcullis's own credentials for the upstream, with one
// retry after a 401. Never throws: failures are assessment::Error values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "proxy/assessment/error.h"
#include "proxy/net/asio.h"
#include "proxy/upstream/fetch.h"

namespace portcullis::proxy::registry {
struct UpstreamRuntime;
}

namespace portcullis::proxy::signatures {

using assessment::Errc;
using assessment::Error;
using assessment::Result;

struct FetchedDocument {
  std::string digest;      // Docker-Content-Digest, or the sha256 of the bytes
  std::string media_type;  // Content-Type as served
  std::string bytes;
};

// One repository at one upstream. Must outlive every call in flight.
class RegistryClient {
 public:
  // `scopes`: "repository:<repo>:pull" for reading, "...:pull,push" for signing.
  RegistryClient(upstream::ConnectionPool& pool, registry::UpstreamRuntime& upstream,
                 std::string repository, std::string scopes, upstream::FetchLimits limits);

  const std::string& repository() const { return repository_; }
  registry::UpstreamRuntime& upstream() { return upstream_; }

  // HEAD /v2/<repo>/manifests/<reference>: the digest, or nullopt when the
  // upstream has no such manifest (404). Falls back to a GET when the answer
  // carries no Docker-Content-Digest.
  awaitable<Result<std::optional<std::string>>> manifest_digest(std::string reference);

  // GET /v2/<repo>/manifests/<reference>, at most max_bytes; nullopt on 404.
  // A by-digest reference is checked against the bytes.
  awaitable<Result<std::optional<FetchedDocument>>> manifest(std::string reference,
                                                             uint64_t max_bytes);

  // GET /v2/<repo>/referrers/<digest>: the index bytes, or nullopt when the
  // upstream has no referrers API (404, 405, 400 and other refusals).
  awaitable<Result<std::optional<std::string>>> referrers(std::string digest, uint64_t max_bytes);

  // GET /v2/<repo>/blobs/<digest>, at most max_bytes, following up to three
  // redirects (credentials only to the upstream's own origin). Errors:
  // not_found, too_large (answer larger than max_bytes), upstream, unauthorized.
  awaitable<Result<std::string>> blob(std::string digest, uint64_t max_bytes);

  // Uploads `bytes` as blob `digest` unless the repository already has it:
  // HEAD, then POST /blobs/uploads/ and PUT <Location>?digest=.
  awaitable<Result<void>> upload_blob(std::string digest, std::string bytes);

  // PUT /v2/<repo>/manifests/<reference>; returns the digest the upstream reports.
  awaitable<Result<std::string>> put_manifest(std::string reference, std::string media_type,
                                              std::string bytes);

  size_t requests() const { return requests_; }

 private:
  awaitable<Result<http::response<http::string_body>>> send(http::request<http::string_body> req,
                                                            uint64_t max_body);

  upstream::ConnectionPool& pool_;
  registry::UpstreamRuntime& upstream_;
  std::string repository_;
  std::string scopes_;
  upstream::FetchLimits limits_;
  size_t requests_ = 0;
};

// "<what>: the upstream answered 503" with the matching Errc.
Error answer_error(const std::string& what, http::status status);

}  // namespace portcullis::proxy::signatures
