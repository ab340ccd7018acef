// What a CLI command needs to judge an image the way the daemon does: the
// config's upstreams and credentials, the facts store (the daemon's LMDB
// store when this process may open it, else memory), the Assessor and the
// judge, with I/O threads running until the runtime is destroyed.
#pragma once

#include <future>
#include <memory>

#include "config/daemon_config.h"
#include "proxy/judge/upstream_image_judge.h"

namespace portcullis::cli {

class JudgeRuntime {
 public:
  // Throws on a bad config (start-up errors).
  explicit JudgeRuntime(config::DaemonConfig config);
  ~JudgeRuntime();

  // Runs `op` on the I/O threads and waits for its result.
  template <class T>
  T run(proxy::awaitable<T> op) {
    auto future = proxy::asio::co_spawn(io_executor(), std::move(op), proxy::asio::use_future);
    return future.get();
  }

  proxy::judge::UpstreamImageJudge& judge();
  // Where the facts are kept: the store path, or "memory (...why...)".
  const std::string& store_description() const;

 private:
  proxy::asio::any_io_executor io_executor();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portcullis::cli
