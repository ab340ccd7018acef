#include "proxy/http/splice_relay.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace portcullis::proxy {
namespace {

using namespace asio::experimental::awaitable_operators;

constexpr size_t kPipeBytes = 1 << 20;

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
      fds_[0] = fds_[1] = -1;
      return;
    }
    ::fcntl(fds_[1], F_SETPIPE_SZ, static_cast<int>(kPipeBytes));  // best effort
  }
  ~Pipe() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  bool ok() const { return fds_[0] >= 0; }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }

 private:
  int fds_[2];
};

// Waits until `socket` is readable (or writable), or the timeout passes.
// Readability is probed with a 1-byte MSG_PEEK receive, not async_wait: Asio
// queues a wait without trying it first, and with edge-triggered epoll a
// readiness edge that came just before would be lost (a stall, or at the end
// of a body a hang until the timeout). Writes re-arm EPOLLOUT, so a wait is safe.
awaitable<error_code> wait_ready(tcp::socket& socket, bool for_read, std::chrono::milliseconds timeout) {
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  char probe = 0;
  auto expired = timer.async_wait(nothrow_awaitable);
  if (for_read) {
    auto ready = socket.async_receive(asio::buffer(&probe, 1), tcp::socket::message_peek, nothrow_awaitable);
    auto either = std::move(ready) || std::move(expired);
    auto result = co_await std::move(either);
    if (result.index() == 1) co_return make_error_code(beast::error::timeout);
    co_return std::get<0>(std::get<0>(result));  // EOF shows as readable; splice then reports it
  }
  auto ready = socket.async_wait(tcp::socket::wait_write, nothrow_awaitable);
  auto either = std::move(ready) || std::move(expired);
  auto result = co_await std::move(either);
  if (result.index() == 1) co_return make_error_code(beast::error::timeout);
  co_return std::get<0>(std::get<0>(result));
}

}  // namespace

bool splice_supported() {
  static const bool supported = [] {
    Pipe p;
    return p.ok();
  }();
  return supported;
}

awaitable<RelayResult> splice_fixed_length(tcp::socket& src, tcp::socket& dst, uint64_t length,
                                           const RelayTimeouts& t) {
  RelayResult result;
  Pipe pipe;
  if (!pipe.ok()) {
    result.read_error = error_code(errno, boost::system::system_category());
    co_return result;
  }
  error_code ec;
  src.non_blocking(true, ec);
  dst.non_blocking(true, ec);
  uint64_t remaining = length;
  size_t in_pipe = 0;
  constexpr unsigned kFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
  while (remaining > 0 || in_pipe > 0) {
    bool progressed = false;
    if (remaining > 0 && in_pipe < kPipeBytes) {
      const auto want = static_cast<size_t>(std::min<uint64_t>(remaining, kPipeBytes - in_pipe));
      const ssize_t n = ::splice(src.native_handle(), nullptr, pipe.write_end(), nullptr, want, kFlags);
      if (n > 0) {
        remaining -= static_cast<uint64_t>(n);
        in_pipe += static_cast<size_t>(n);
        progressed = true;
      } else if (n == 0) {
        result.read_error = asio::error::eof;  // the source closed before the whole body
        co_return result;
      } else if (errno != EAGAIN && errno != EINTR) {
        result.read_error = error_code(errno, boost::system::system_category());
        co_return result;
      }
    }
    if (in_pipe > 0) {
      const ssize_t m = ::splice(pipe.read_end(), nullptr, dst.native_handle(), nullptr, in_pipe, kFlags);
      if (m > 0) {
        in_pipe -= static_cast<size_t>(m);
        result.bytes += static_cast<uint64_t>(m);
        progressed = true;
      } else if (m < 0 && errno != EAGAIN && errno != EINTR) {
        result.write_error = error_code(errno, boost::system::system_category());
        co_return result;
      }
    }
    if (progressed) continue;
    // Nothing moved: wait for the side that blocks us (the destination when the pipe holds data).
    if (in_pipe > 0) {
      if (auto wec = co_await wait_ready(dst, false, t.write)) {
        result.write_error = wec;
        co_return result;
      }
    } else if (auto rec = co_await wait_ready(src, true, t.idle_read)) {
      result.read_error = rec;
      co_return result;
    }
  }
  co_return result;
}

}  // namespace portcullis::proxy
