// Runs a coroutine on the daemon's I/O executor and waits for it from a
// worker thread (co_spawn + use_future). The wait gives up when the
// io_context has stopped or a guard deadline passes, so a worker never hangs
// on an I/O side that will not run again.
#pragma once

#include <chrono>
#include <future>
#include <optional>

#include "proxy/assessment/error.h"
#include "proxy/net/asio.h"

namespace portcullis::proxy::assessment {

// The io_context behind `executor` (itself or a strand on it), else nullptr.
asio::io_context* io_context_of(const asio::any_io_executor& executor);

// True when the calling thread is running `executor`'s io_context (blocking
// there could deadlock).
bool on_io_thread(const asio::any_io_executor& executor);

// Waits for `future`; nullopt (with `error` set) when the io_context stopped or
// `deadline` passed first. The coroutine keeps its own state alive regardless.
template <class T>
std::optional<T> wait_on_io(std::future<T>& future, const asio::any_io_executor& executor,
                            std::chrono::steady_clock::time_point deadline, Error& error) {
  asio::io_context* ioc = io_context_of(executor);
  while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (ioc && ioc->stopped()) {
      error = make_error(Errc::shutting_down, "the I/O threads have stopped");
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      error = make_error(Errc::upstream, "the upstream operation did not finish in time");
      return std::nullopt;
    }
  }
  try {
    return future.get();
  } catch (const std::exception& e) {  // only bad_alloc and the like: coroutines return errors
    error = make_error(Errc::upstream, std::string("upstream operation failed: ") + e.what());
    return std::nullopt;
  }
}

}  // namespace portcullis::proxy::assessment
