#include <vector>

#include <zstd.h>
#include <zstd_errors.h>

#include "scanner-adapters/decompressor.h"

namespace portcullis::scanner {
namespace {

class ZstdDecompressor final : public Decompressor {
 public:
  ZstdDecompressor(ByteSource& in, int max_window_log, std::string label)
      : in_(in),
        label_(std::move(label)),
        max_window_log_(max_window_log),
        dctx_(ZSTD_createDCtx()) {
    ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, max_window_log);
  }
  ~ZstdDecompressor() override { ZSTD_freeDCtx(dctx_); }

  uint64_t consumed() const override { return in_.total() - (input_.size - input_.pos); }

  Result<size_t> read(std::span<std::byte> out) override {
    if (out.empty()) return size_t{0};
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    while (output.pos == 0) {
      if (input_.pos == input_.size && !in_.eof()) {
        auto r = refill();
        if (!r) return r.error();
      }
      const bool no_more_input = input_.pos == input_.size && in_.eof();
      if (no_more_input && frame_done_) return size_t{0};
      const size_t before_in = input_.pos;
      size_t ret = ZSTD_decompressStream(dctx_, &output, &input_);
      if (ZSTD_isError(ret)) {
        if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge) {
          return make_error(label_ + " exceeds the zstd window limit (frame window larger than 2^" +
                            std::to_string(max_window_log_) + " bytes)");
        }
        return make_error(label_ + ": malformed zstd stream: " + ZSTD_getErrorName(ret));
      }
      frame_done_ = ret == 0;  // a frame ended and everything was flushed
      if (output.pos == 0 && input_.pos == before_in) {
        if (no_more_input) return make_error(label_ + ": malformed zstd stream: truncated");
        if (input_.pos < input_.size) {
          return make_error(label_ + ": malformed zstd stream: decoder stalled");
        }
      }
    }
    return output.pos;
  }

 private:
  Result<void> refill() {
    auto fresh = in_.refill();
    if (!fresh) return fresh.error();
    input_ = {fresh->data(), fresh->size(), 0};
    return {};
  }

  InputBuffer in_;
  std::string label_;
  int max_window_log_;
  ZSTD_DCtx* dctx_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool frame_done_ = false;
};

}  // namespace

std::unique_ptr<Decompressor> make_zstd_decompressor(ByteSource& in, int max_window_log,
                                                     std::string label) {
  return std::make_unique<ZstdDecompressor>(in, max_window_log, std::move(label));
}

}  // namespace portcullis::scanner
