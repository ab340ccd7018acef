// The daemon's upstream side for tests: an io_context on two threads and the
// upstream client pieces for one origin, with an UpstreamRegistryReader.
#pragma once

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proxy/assessment/upstream_registry_reader.h"

namespace portcullis::proxy::assessment::testing {

class UpstreamClient {
 public:
  explicit UpstreamClient(const std::string& url,
                          std::optional<upstream::Credentials> credentials = std::nullopt,
                          UpstreamReaderOptions options = {})
      : pool_(ioc_.get_executor(), std::chrono::seconds(5)),
        origin_(upstream::parse_origin(url, nullptr).value()),
        auth_(origin_, std::move(credentials), pool_, upstream::FetchLimits{}),
        reader_(std::make_shared<UpstreamRegistryReader>(ioc_.get_executor(), origin_, auth_, pool_,
                                                         options)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~UpstreamClient() {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  asio::io_context& ioc() { return ioc_; }
  UpstreamRegistryReader& reader() { return *reader_; }
  const std::shared_ptr<UpstreamRegistryReader>& shared_reader() { return reader_; }
  upstream::RegistryAuth& auth() { return auth_; }
  upstream::ConnectionPool& pool() { return pool_; }

  // Reads the whole blob with reads of `read_size`; the error message on failure.
  std::string read_blob(const std::string& digest, uint64_t max_bytes, std::string& error,
                        size_t read_size = 4096) {
    std::string out;
    auto source = reader_->blob("apps/web", digest, max_bytes);
    if (!source) {
      error = source.error().message;
      return out;
    }
    std::vector<std::byte> buf(read_size);
    for (;;) {
      auto n = (*source)->read(buf);
      if (!n) {
        error = n.error().message;
        return out;
      }
      if (*n == 0) return out;
      out.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  upstream::ConnectionPool pool_;
  upstream::Origin origin_;
  upstream::RegistryAuth auth_;
  std::shared_ptr<UpstreamRegistryReader> reader_;
  std::vector<std::thread> threads_;
};

}  // namespace portcullis::proxy::assessment::testing
