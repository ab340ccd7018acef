#include "proxy/assessment/fake_registry_reader.h"

#include <algorithm>
#include <cstring>

#include "proxy/store/digest.h"

namespace portcullis::proxy::assessment {

// Serves the bytes in small reads, checking the hold before each one.
class FakeRegistryReader::Source final : public scanner::ByteSource {
 public:
  Source(FakeRegistryReader& owner, std::shared_ptr<const std::string> bytes, uint64_t max_bytes,
         std::optional<Error> error)
      : owner_(owner), bytes_(std::move(bytes)), max_bytes_(max_bytes), error_(std::move(error)) {}

  scanner::Result<size_t> read(std::span<std::byte> out) override {
    owner_.wait_while_held();
    if (error_) return scanner::make_error(error_->message);
    if (pos_ >= max_bytes_ && pos_ < bytes_->size())
      return scanner::make_error("blob is longer than " + std::to_string(max_bytes_) + " bytes");
    const size_t n = std::min({out.size(), bytes_->size() - pos_, size_t{64 * 1024},
                               static_cast<size_t>(max_bytes_ - pos_)});
    std::memcpy(out.data(), bytes_->data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  FakeRegistryReader& owner_;
  std::shared_ptr<const std::string> bytes_;
  uint64_t max_bytes_;
  std::optional<Error> error_;
  size_t pos_ = 0;
};

std::string FakeRegistryReader::add_manifest(const std::string& repository, std::string bytes,
                                             std::string media_type, const std::string& tag) {
  FetchedManifest m{std::move(bytes), std::move(media_type), ""};
  m.digest = store::sha256_digest(m.bytes);
  std::lock_guard lock(mutex_);
  manifests_[{repository, m.digest}] = m;
  if (!tag.empty()) manifests_[{repository, tag}] = m;
  return m.digest;
}

std::string FakeRegistryReader::add_blob(const std::string& repository, std::string bytes,
                                         std::string digest) {
  if (digest.empty()) digest = store::sha256_digest(bytes);
  std::lock_guard lock(mutex_);
  blobs_[{repository, digest}] = std::make_shared<const std::string>(std::move(bytes));
  return digest;
}

void FakeRegistryReader::set_manifest_error(const std::string& reference,
                                            std::optional<Error> error) {
  std::lock_guard lock(mutex_);
  if (error)
    manifest_errors_[reference] = *error;
  else
    manifest_errors_.erase(reference);
}

void FakeRegistryReader::set_blob_error(const std::string& digest, std::optional<Error> error) {
  std::lock_guard lock(mutex_);
  if (error)
    blob_errors_[digest] = *error;
  else
    blob_errors_.erase(digest);
}

void FakeRegistryReader::hold_blobs() {
  std::lock_guard lock(mutex_);
  held_ = true;
}

void FakeRegistryReader::release_blobs() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  released_.notify_all();
}

void FakeRegistryReader::wait_while_held() {
  std::unique_lock lock(mutex_);
  released_.wait(lock, [&] { return !held_; });
}

size_t FakeRegistryReader::manifest_requests() const {
  std::lock_guard lock(mutex_);
  return manifest_requests_;
}

size_t FakeRegistryReader::blob_requests() const {
  std::lock_guard lock(mutex_);
  return blob_requests_;
}

Result<FetchedManifest> FakeRegistryReader::manifest(std::string_view repository,
                                                     std::string_view reference,
                                                     uint64_t max_bytes) {
  std::lock_guard lock(mutex_);
  ++manifest_requests_;
  if (auto e = manifest_errors_.find(std::string(reference)); e != manifest_errors_.end())
    return e->second;
  auto it = manifests_.find({std::string(repository), std::string(reference)});
  if (it == manifests_.end())
    return make_error(Errc::not_found, "manifest " + std::string(reference) + " is unknown");
  if (it->second.bytes.size() > max_bytes)
    return make_error(Errc::too_large,
                      "manifest is larger than " + std::to_string(max_bytes) + " bytes");
  return it->second;
}

Result<std::unique_ptr<scanner::ByteSource>> FakeRegistryReader::blob(std::string_view repository,
                                                                      std::string_view digest,
                                                                      uint64_t max_bytes) {
  std::lock_guard lock(mutex_);
  ++blob_requests_;
  std::optional<Error> error;
  if (auto e = blob_errors_.find(std::string(digest)); e != blob_errors_.end()) error = e->second;
  auto it = blobs_.find({std::string(repository), std::string(digest)});
  if (it == blobs_.end() && !error)
    return make_error(Errc::not_found, "blob " + std::string(digest) + " is unknown");
  auto bytes = it == blobs_.end() ? std::make_shared<const std::string>() : it->second;
  return std::unique_ptr<scanner::ByteSource>(
      std::make_unique<Source>(*this, std::move(bytes), max_bytes, std::move(error)));
}

}  // namespace portcullis::proxy::assessment
