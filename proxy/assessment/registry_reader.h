// What an assessment reads from a registry: one manifest (bounded, buffered)
// and blobs (streamed). Blocking calls, made from the Assessor's worker
// threads; the proxy implements it over its async upstream client
// (UpstreamRegistryReader), unit tests over memory (FakeRegistryReader).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/assessment/error.h"
#include "scanner-adapters/byte_source.h"

namespace portcullis::proxy::assessment {

// The Accept header a manifest request sends: every manifest type we parse.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

struct FetchedManifest {
  std::string bytes;       // exactly as served
  std::string media_type;  // the response's Content-Type
  std::string digest;      // Docker-Content-Digest, else the sha256 of the bytes
};

class RegistryReader {
 public:
  virtual ~RegistryReader() = default;

  // GET /v2/<repository>/manifests/<reference>. not_found on 404, too_large
  // above max_bytes, upstream/unauthorized otherwise.
  virtual Result<FetchedManifest> manifest(std::string_view repository, std::string_view reference,
                                           uint64_t max_bytes) = 0;

  // A stream of the blob's bytes as sent (not verified here: the consumer
  // hashes them). Implementations may defer the request to the first read();
  // a read fails (never silently ends early) when the transfer breaks or the
  // blob is longer than max_bytes.
  virtual Result<std::unique_ptr<scanner::ByteSource>> blob(std::string_view repository,
                                                            std::string_view digest,
                                                            uint64_t max_bytes) = 0;
};

// OCI distribution name rules, checked before a name goes into a URL path.
bool is_valid_repository(std::string_view repository);
bool is_valid_tag(std::string_view tag);
// "sha256:<64 lowercase hex>" or "sha512:<128 lowercase hex>".
bool is_valid_digest(std::string_view digest);
// Tag or digest.
bool is_valid_reference(std::string_view reference);

}  // namespace portcullis::proxy::assessment
