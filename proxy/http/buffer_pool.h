// Fixed-size relay buffers, reused across requests so a busy proxy does not
// map and unmap a fresh buffer per blob.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace portcullis::proxy {

class BufferPool {
 public:
  explicit BufferPool(size_t buffer_size, size_t max_kept = 64) : size_(buffer_size), max_kept_(max_kept) {}

  class Lease {
   public:
    Lease(BufferPool& pool, std::unique_ptr<char[]> data) : pool_(&pool), data_(std::move(data)) {}
    Lease(Lease&& o) noexcept = default;
    ~Lease() {
      if (data_) pool_->give_back(std::move(data_));
    }
    std::span<char> span() const { return {data_.get(), pool_->size_}; }

   private:
    BufferPool* pool_;
    std::unique_ptr<char[]> data_;
  };

  Lease take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return Lease(*this, std::make_unique_for_overwrite<char[]>(size_));
    auto data = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(data));
  }

 private:
  void give_back(std::unique_ptr<char[]> data) {
    std::lock_guard lock(mutex_);
    if (free_.size() < max_kept_) free_.push_back(std::move(data));
  }

  size_t size_;
  size_t max_kept_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace portcullis::proxy
