// A RegistryReader over memory, for unit tests of the assessment and of the
// proxy code that calls it. Thread-safe. Counts requests, injects errors, and
// can hold blob reads until released (to keep an assessment in flight).
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "proxy/assessment/registry_reader.h"

namespace portcullis::proxy::assessment {

class FakeRegistryReader final : public RegistryReader {
 public:
  // Serves `bytes` for GET manifests/<digest> (and manifests/<tag> when given);
  // returns the digest.
  std::string add_manifest(const std::string& repository, std::string bytes, std::string media_type,
                           const std::string& tag = "");
  // Serves `bytes` as blob `digest` (the sha256 of the bytes when empty, so a
  // wrong digest can be given on purpose); returns the digest.
  std::string add_blob(const std::string& repository, std::string bytes, std::string digest = "");
  // Requests for this manifest reference fail with `error`; blobs with this
  // digest fail at their first read(), as a lazy upstream stream does. Until
  // cleared with std::nullopt.
  void set_manifest_error(const std::string& reference, std::optional<Error> error);
  void set_blob_error(const std::string& digest, std::optional<Error> error);

  // While held, every blob read waits (no busy wait) until release_blobs().
  void hold_blobs();
  void release_blobs();

  size_t manifest_requests() const;
  size_t blob_requests() const;  // blob() calls
  size_t requests() const { return manifest_requests() + blob_requests(); }

  Result<FetchedManifest> manifest(std::string_view repository, std::string_view reference,
                                   uint64_t max_bytes) override;
  Result<std::unique_ptr<scanner::ByteSource>> blob(std::string_view repository,
                                                    std::string_view digest,
                                                    uint64_t max_bytes) override;

 private:
  class Source;
  void wait_while_held();

  using Key = std::pair<std::string, std::string>;  // repository, reference or digest
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
  std::map<Key, FetchedManifest> manifests_;
  std::map<Key, std::shared_ptr<const std::string>> blobs_;
  std::map<std::string, Error> manifest_errors_;
  std::map<std::string, Error> blob_errors_;
  size_t manifest_requests_ = 0;
  size_t blob_requests_ = 0;
};

}  // namespace portcullis::proxy::assessment
