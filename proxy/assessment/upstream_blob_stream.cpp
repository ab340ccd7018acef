#include "proxy/assessment/upstream_blob_stream.h"

#include <atomic>
#include <cstring>
#include <optional>
#include <vector>

#include "proxy/assessment/io_bridge.h"
#include "proxy/upstream/fetch.h"

namespace portcullis::proxy::assessment {
namespace {

// Shared by the source (worker thread) and the coroutine that serves one
// read() at a time on the I/O executor; the future hand-off orders them.
struct BlobStream {
  explicit BlobStream(BlobRequest r)
      : request(std::move(r)),
        chunks{std::vector<char>(request.options.chunk_bytes),
               std::vector<char>(request.options.chunk_bytes)} {}

  BlobRequest request;
  std::string target;  // the request target; changes on a redirect
  // Where the request goes: the upstream, or the storage (S3, a CDN) it
  // redirected to. Credentials are only ever sent to the upstream itself.
  upstream::Origin origin;
  bool at_upstream = true;
  upstream::ConnectionPtr conn;
  // Content-Length bodies are read raw into the chunk (one copy); others
  // (chunked) go through Beast's parser.
  std::optional<uint64_t> remaining;
  bool keep_alive = false;
  std::optional<http::response_parser<http::buffer_body>> parser;
  // The fixed buffers, the only body bytes held: the consumer reads one while
  // the next is filled (read-ahead of one chunk).
  std::vector<char> chunks[2];
  char* chunk = nullptr;  // the one being filled
  bool opened = false;
  bool done = false;
  // Set by the worker before it spawns a pull, cleared by the pull's end: while
  // set, conn/parser belong to the I/O side.
  std::atomic<bool> busy{false};

  std::string what() const { return "GET " + target; }
};

using ChunkResult = Result<size_t>;

// Reads and drops a small non-200 body, so the connection can be reused.
awaitable<void> drain(BlobStream& s, upstream::ConnectionPtr& conn,
                      http::response_parser<http::empty_body>& header) {
  http::response_parser<http::string_body> body{std::move(header)};
  body.body_limit(64 * 1024);
  conn->stream.lowest().expires_after(s.request.options.idle_timeout);
  auto [ec, n] = co_await http::async_read(conn->stream, conn->buffer, body, nothrow_awaitable);
  if (!ec && body.get().keep_alive()) s.request.pool->release(std::move(conn));
}

bool is_redirect(http::status st) {
  return st == http::status::moved_permanently || st == http::status::found ||
         st == http::status::see_other || st == http::status::temporary_redirect ||
         st == http::status::permanent_redirect;
}

// Sends the GET and reads the response header; leaves the body parser ready.
awaitable<Result<void>> open(BlobStream& s) {
  auto& rq = s.request;
  std::string scopes = upstream::repository_scope(rq.repository, "pull");
  bool auth_retried = false;
  bool stale_retried = false;
  int redirects = 0;
  s.origin = rq.origin;
  s.at_upstream = true;
  for (;;) {
    boost::system::result<std::string> authorization = std::string();
    if (s.at_upstream) authorization = co_await rq.auth->authorization(scopes);
    if (!authorization) {
      Error e = make_error(Errc::upstream, "authenticating to " + rq.origin.key() +
                                               " failed: " + authorization.error().message());
      co_return e;
    }
    // (No co_await inside ?: — GCC 12 miscompiles it.)
    boost::system::result<upstream::ConnectionPtr> acquired =
        make_error_code(boost::system::errc::not_connected);
    if (!stale_retried)
      acquired = co_await rq.pool->acquire(s.origin);
    else
      acquired = co_await rq.pool->connect(s.origin);
    if (!acquired) {
      Error e = make_error(
          Errc::upstream, s.origin.key() + " could not be reached: " + acquired.error().message());
      co_return e;
    }
    upstream::ConnectionPtr conn = std::move(*acquired);

    http::request<http::empty_body> req{http::verb::get, s.target, 11};
    req.set(http::field::host, s.origin.host_header());
    if (!authorization->empty()) req.set(http::field::authorization, *authorization);
    req.keep_alive(true);
    conn->stream.lowest().expires_after(rq.options.header_timeout);
    auto [wec, wn] = co_await http::async_write(conn->stream, req, nothrow_awaitable);
    http::response_parser<http::empty_body> header;
    header.header_limit(rq.options.max_header_bytes);
    header.body_limit(boost::none);
    error_code ec = wec;
    if (!ec) {
      auto [rec, rn] =
          co_await http::async_read_header(conn->stream, conn->buffer, header, nothrow_awaitable);
      ec = rec;
    }
    if (ec) {
      if (conn->reused && !stale_retried && upstream::is_stale_connection_error(ec)) {
        stale_retried = true;
        continue;
      }
      conn->stream.abort();
      Error e = make_error(Errc::upstream, s.what() + ": " + ec.message());
      co_return e;
    }

    const auto status = header.get().result();
    if (status == http::status::unauthorized && !auth_retried && s.at_upstream) {
      auth_retried = true;
      scopes = rq.auth->on_unauthorized(scopes, header.get()[http::field::www_authenticate]);
      co_await drain(s, conn, header);
      continue;
    }
    if (is_redirect(status)) {
      const std::string location(header.get()[http::field::location]);
      std::optional<std::string> next;
      std::optional<upstream::Origin> storage;
      if (s.at_upstream) next = same_origin_target(s.origin, s.target, location);
      if (!next) {
        storage = storage_redirect(rq.origin, location);
        if (storage) next = storage_target(location);
      }
      if (!next || ++redirects > rq.options.max_redirects) {
        conn->stream.abort();
        const std::string why = next ? "too many redirects"
                                     : "a redirect to an origin that is neither the upstream nor https storage";
        Error e = make_error(Errc::upstream, s.what() + ": " + why);
        co_return e;
      }
      co_await drain(s, conn, header);
      s.target = std::move(*next);
      if (storage) {
        s.origin = std::move(*storage);
        s.at_upstream = false;
        stale_retried = false;
      }
      continue;
    }
    if (status != http::status::ok) {
      conn->stream.abort();  // an unknown body: not worth reading
      Error e = status_error(status, s.what());
      co_return e;
    }
    if (auto length = header.content_length(); length && *length > rq.max_bytes) {
      conn->stream.abort();
      Error e =
          make_error(Errc::too_large, s.what() + ": the blob is " + std::to_string(*length) +
                                          " bytes, more than " + std::to_string(rq.max_bytes));
      co_return e;
    }
    s.conn = std::move(conn);
    s.keep_alive = header.get().keep_alive();
    if (auto length = header.content_length()) {
      s.remaining = *length;
    } else {
      s.conn->buffer.reserve(64 * 1024);  // Beast reads at most the spare capacity
      s.parser.emplace(std::move(header));
      s.parser->body_limit(rq.max_bytes);
    }
    co_return Result<void>();
  }
}

// A Content-Length body: what the header read buffered, then straight from
// the socket into the chunk.
awaitable<error_code> fill_raw(BlobStream& s, size_t want, size_t& filled) {
  auto& buffered = s.conn->buffer;
  while (filled<want&& * s.remaining> 0) {
    const size_t room = static_cast<size_t>(std::min<uint64_t>(want - filled, *s.remaining));
    const auto into = asio::buffer(s.chunk + filled, room);
    size_t n = 0;
    if (buffered.size() > 0) {
      n = asio::buffer_copy(into, buffered.data());
      buffered.consume(n);
    } else {
      s.conn->stream.lowest().expires_after(s.request.options.idle_timeout);
      auto [ec, got] = co_await s.conn->stream.async_read_some(into, nothrow_awaitable);
      if (ec) co_return ec;  // end of stream included: the body is short
      n = got;
    }
    filled += n;
    *s.remaining -= n;
  }
  if (*s.remaining == 0) {
    s.done = true;
    // Anything after the body would be garbage on the next exchange.
    if (s.keep_alive && buffered.size() == 0) s.request.pool->release(std::move(s.conn));
    s.conn.reset();
  }
  co_return error_code{};
}

// A chunked (or close-delimited) body, through the parser.
awaitable<error_code> fill_parsed(BlobStream& s, size_t want, size_t& filled) {
  auto& parser = *s.parser;
  parser.get().body().data = s.chunk;
  parser.get().body().size = want;
  error_code ec;
  while (parser.get().body().size > 0 && !parser.is_done()) {
    s.conn->stream.lowest().expires_after(s.request.options.idle_timeout);
    auto [rec, n] =
        co_await http::async_read_some(s.conn->stream, s.conn->buffer, parser, nothrow_awaitable);
    if (rec == http::error::need_buffer) break;  // the chunk is full
    if (rec) {
      ec = rec;
      break;
    }
  }
  filled = want - parser.get().body().size;
  if (!ec && parser.is_done()) {
    s.done = true;
    if (parser.get().keep_alive()) s.request.pool->release(std::move(s.conn));
    s.conn.reset();
  }
  co_return ec;
}

// Fills up to `want` bytes of chunks[index]; 0 only at the end of the body.
awaitable<ChunkResult> pull(std::shared_ptr<BlobStream> sp, int index, size_t want) {
  BlobStream& s = *sp;
  s.chunk = s.chunks[index].data();
  if (!s.opened) {
    s.opened = true;
    auto opened = co_await open(s);
    if (!opened) {
      s.done = true;
      s.busy = false;
      co_return opened.error();
    }
  }
  size_t filled = 0;
  error_code ec;
  if (s.done) {
    // nothing left
  } else if (s.remaining) {
    ec = co_await fill_raw(s, want, filled);
  } else {
    ec = co_await fill_parsed(s, want, filled);
  }
  if (ec) {
    s.conn->stream.abort();
    s.conn.reset();
    s.done = true;
    s.busy = false;
    Error e = ec == http::error::body_limit
                  ? make_error(Errc::too_large, s.what() + ": the blob is longer than " +
                                                    std::to_string(s.request.max_bytes) + " bytes")
                  : make_error(Errc::upstream, s.what() + ": the transfer broke: " + ec.message());
    co_return e;
  }
  s.busy = false;
  co_return filled;
}

class UpstreamBlobSource final : public scanner::ByteSource {
 public:
  explicit UpstreamBlobSource(BlobRequest request)
      : stream_(std::make_shared<BlobStream>(std::move(request))) {
    stream_->target = "/v2/" + stream_->request.repository + "/blobs/" + stream_->request.digest;
  }

  ~UpstreamBlobSource() override {
    // A connection left mid-body is closed on the I/O side that owns it. A pull
    // still running owns the state and drops it there when it ends.
    if (!stream_->busy) {
      auto executor = stream_->request.executor;
      asio::post(executor, [s = std::move(stream_)] {
        if (s->conn) s->conn->stream.abort();
      });
    }
  }

  scanner::Result<size_t> read(std::span<std::byte> out) override {
    if (error_) return scanner::make_error(*error_);
    if (out.empty()) return size_t{0};
    if (available_ == 0) {
      if (finished_) return size_t{0};
      if (!pending_) start(filling_);
      Error wait_error;
      const auto deadline =
          std::chrono::steady_clock::now() + stream_->request.options.call_deadline;
      auto pulled = wait_on_io(*pending_, stream_->request.executor, deadline, wait_error);
      pending_.reset();
      if (!pulled) return fail(wait_error.message);
      if (!*pulled) return fail(pulled->error().message);
      reading_ = filling_;
      available_ = **pulled;
      offset_ = 0;
      if (available_ == 0) {
        finished_ = true;
        return size_t{0};
      }
      // Fetch the next chunk while the caller digests this one.
      if (!stream_->done) {
        filling_ = 1 - reading_;
        start(filling_);
      } else {
        finished_ = true;  // after this chunk
      }
    }
    const size_t n = std::min(out.size(), available_);
    std::memcpy(out.data(), stream_->chunks[reading_].data() + offset_, n);
    offset_ += n;
    available_ -= n;
    return n;
  }

 private:
  void start(int index) {
    stream_->busy = true;
    pending_ =
        asio::co_spawn(stream_->request.executor,
                       pull(stream_, index, stream_->chunks[index].size()), asio::use_future);
  }

  scanner::ScanError fail(std::string message) {
    error_ = std::move(message);
    return scanner::make_error(*error_);
  }

  std::shared_ptr<BlobStream> stream_;
  std::optional<std::future<ChunkResult>> pending_;
  int filling_ = 0;  // the chunk the pending pull fills
  int reading_ = 0;  // the chunk read() copies from
  size_t offset_ = 0;
  size_t available_ = 0;
  bool finished_ = false;
  std::optional<std::string> error_;
};

}  // namespace

std::unique_ptr<scanner::ByteSource> make_upstream_blob_source(BlobRequest request) {
  return std::make_unique<UpstreamBlobSource>(std::move(request));
}

}  // namespace portcullis::proxy::assessment
