#include <cstring>
#include <vector>

#include <isa-l/igzip_lib.h>

#include "scanner-adapters/decompressor.h"

namespace portcullis::scanner {
namespace {

const char* isal_error_text(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "CRC mismatch";
    case ISAL_NEED_DICT:
      return "preset dictionary required";
    default:
      return "decoder error";
  }
}

class GzipDecompressor final : public Decompressor {
 public:
  GzipDecompressor(ByteSource& in, std::string label) : input_(in), label_(std::move(label)) {
    state_ = std::make_unique<inflate_state>();
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
  }

  uint64_t consumed() const override { return input_.total() - state_->avail_in; }

  Result<size_t> read(std::span<std::byte> out) override {
    if (done_ || out.empty()) return size_t{0};
    inflate_state& s = *state_;
    // isal counts in uint32_t; 256 KiB requests are far below that.
    const uint32_t want = static_cast<uint32_t>(std::min<size_t>(out.size(), 1u << 30));
    s.next_out = reinterpret_cast<uint8_t*>(out.data());
    s.avail_out = want;
    while (s.avail_out == want) {
      if (s.block_state == ISAL_BLOCK_FINISH) {
        // A member ended: the stream ends here, or another member follows.
        if (s.avail_in == 0) {
          auto r = refill();
          if (!r) return r.error();
          if (s.avail_in == 0) {
            done_ = true;
            return size_t{0};
          }
        }
        if (s.next_in[0] == 0) return skip_zero_padding();
        if (s.next_in[0] != 0x1f) {
          return make_error(label_ + ": malformed gzip stream: trailing garbage");
        }
        uint8_t* next = s.next_in;
        uint32_t avail = s.avail_in;
        isal_inflate_reset(&s);
        s.next_in = next;
        s.avail_in = avail;
        s.crc_flag = ISAL_GZIP;
      }
      if (s.avail_in == 0 && !input_.eof()) {
        auto r = refill();
        if (!r) return r.error();
      }
      const uint32_t before_out = s.avail_out;
      const uint32_t before_in = s.avail_in;
      int ret = isal_inflate(&s);
      if (ret < 0 || ret == ISAL_NEED_DICT) {
        return make_error(label_ + ": malformed gzip stream: " + isal_error_text(ret));
      }
      const bool progress = s.avail_out != before_out || s.avail_in != before_in;
      if (!progress && s.block_state != ISAL_BLOCK_FINISH) {
        if (s.avail_in > 0) return make_error(label_ + ": malformed gzip stream: decoder stalled");
        if (input_.eof()) return make_error(label_ + ": malformed gzip stream: truncated");
      }
    }
    return size_t{want - s.avail_out};
  }

 private:
  // Writers that block their output (libarchive pads to 10 KiB) leave zeros
  // after the last member; gzip(1) ignores them too. Anything else is garbage.
  Result<size_t> skip_zero_padding() {
    inflate_state& s = *state_;
    for (;;) {
      for (uint32_t i = 0; i < s.avail_in; ++i) {
        if (s.next_in[i] != 0) {
          return make_error(label_ + ": malformed gzip stream: trailing garbage");
        }
      }
      s.avail_in = 0;
      auto r = refill();
      if (!r) return r.error();
      if (s.avail_in == 0) break;
    }
    done_ = true;
    return size_t{0};
  }

  Result<void> refill() {
    auto fresh = input_.refill();
    if (!fresh) return fresh.error();
    state_->next_in = fresh->data();
    state_->avail_in = static_cast<uint32_t>(fresh->size());
    return {};
  }

  InputBuffer input_;
  std::string label_;
  std::unique_ptr<inflate_state> state_;  // ~ 40 KiB: keep it off the stack
  bool done_ = false;
};

class IdentityDecompressor final : public Decompressor {
 public:
  explicit IdentityDecompressor(ByteSource& in) : in_(in) {}
  uint64_t consumed() const override { return total_; }
  Result<size_t> read(std::span<std::byte> out) override {
    auto n = in_.read(out);
    if (n) total_ += *n;
    return n;
  }

 private:
  ByteSource& in_;
  uint64_t total_ = 0;
};

}  // namespace

std::unique_ptr<Decompressor> make_gzip_decompressor(ByteSource& in, std::string label) {
  return std::make_unique<GzipDecompressor>(in, std::move(label));
}

std::unique_ptr<Decompressor> make_identity_decompressor(ByteSource& in) {
  return std::make_unique<IdentityDecompressor>(in);
}

}  // namespace portcullis::scanner
