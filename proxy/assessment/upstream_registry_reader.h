// RegistryReader over the proxy's async upstream client. Its blocking calls
// are made from Assessor worker threads: each runs a coroutine on the
// daemon's I/O executor and waits for it. Blobs stream through one fixed
// buffer per blob: nothing is ever held whole.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "proxy/assessment/registry_reader.h"
#include "proxy/net/asio.h"
#include "proxy/upstream/connection_pool.h"
#include "proxy/upstream/origin.h"
#include "proxy/upstream/registry_auth.h"

namespace portcullis::proxy::assessment {

struct UpstreamReaderOptions {
  std::chrono::milliseconds header_timeout{30'000};  // request sent -> response header
  std::chrono::milliseconds idle_timeout{60'000};    // between body bytes
  uint32_t max_header_bytes = 16 * 1024;
  size_t chunk_bytes = 256 * 1024;  // the fixed buffer per blob (the scanner reads 256 KiB)
  int max_redirects = 3;            // within the upstream, or once to https blob storage
  // Guard for one blocking call, far above the timeouts above: it only fires
  // when the I/O side is wedged.
  std::chrono::milliseconds call_deadline{10 * 60'000};
};

class UpstreamRegistryReader final : public RegistryReader {
 public:
  // `auth` and `pool` must outlive the reader and every blob it returned.
  UpstreamRegistryReader(asio::any_io_executor executor, upstream::Origin origin,
                         upstream::RegistryAuth& auth, upstream::ConnectionPool& pool,
                         UpstreamReaderOptions options = {});

  Result<FetchedManifest> manifest(std::string_view repository, std::string_view reference,
                                   uint64_t max_bytes) override;
  // The GET is sent by the first read(). Authorization comes from `auth`, with
  // one retry on a 401 before any body is read; redirects are followed only
  // within the same origin (credentials never leave it).
  Result<std::unique_ptr<scanner::ByteSource>> blob(std::string_view repository,
                                                    std::string_view digest,
                                                    uint64_t max_bytes) override;

  size_t manifest_requests() const { return manifest_requests_; }
  size_t blob_requests() const { return blob_requests_; }

 private:
  asio::any_io_executor executor_;
  upstream::Origin origin_;
  upstream::RegistryAuth& auth_;
  upstream::ConnectionPool& pool_;
  UpstreamReaderOptions options_;
  std::atomic<size_t> manifest_requests_{0};
  std::atomic<size_t> blob_requests_{0};
};

// Where a redirect may go: the request target (path and query) when
// `location`, resolved against `current_target` on `origin`, stays on that
// origin (scheme, host, port); nullopt otherwise.
std::optional<std::string> same_origin_target(const upstream::Origin& origin,
                                              std::string_view current_target,
                                              std::string_view location);

// Blob storage a registry redirected to (S3, a CDN): the origin to fetch
// from, without credentials. https only, or plain http when the upstream is
// plain http itself; nullopt otherwise.
std::optional<upstream::Origin> storage_redirect(const upstream::Origin& upstream_origin,
                                                 std::string_view location);
// The request target (path and query) of an absolute URL.
std::string storage_target(std::string_view location);

// The Error for an upstream answer that is not 200.
Error status_error(http::status status, const std::string& what);

}  // namespace portcullis::proxy::assessment
