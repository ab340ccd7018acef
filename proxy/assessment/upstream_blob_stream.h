// One blob GET from an upstream, pulled chunk by chunk from a worker thread:
// the ByteSource that UpstreamRegistryReader::blob() returns.
#pragma once

#include <memory>
#include <string>

#include "proxy/assessment/upstream_registry_reader.h"
#include "scanner-adapters/byte_source.h"

namespace portcullis::proxy::assessment {

struct BlobRequest {
  asio::any_io_executor executor;
  upstream::Origin origin;
  upstream::RegistryAuth* auth = nullptr;
  upstream::ConnectionPool* pool = nullptr;
  UpstreamReaderOptions options;
  std::string repository;
  std::string digest;
  uint64_t max_bytes = 0;
};

std::unique_ptr<scanner::ByteSource> make_upstream_blob_source(BlobRequest request);

}  // namespace portcullis::proxy::assessment
