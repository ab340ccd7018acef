#include "layer_builder.h"

#include "scanner-adapters/digesting_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace portcullis::scanner::testing {
namespace {

la_ssize_t append_cb(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

void check(int r, archive* a) {
  if (r < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(a));
}

// One ustar header block.
std::string ustar_header(const std::string& name, uint64_t size, char type) {
  std::string h(512, '\0');
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(h.data() + 100, 8, "%07o", 0644);
  std::snprintf(h.data() + 108, 8, "%07o", 0);
  std::snprintf(h.data() + 116, 8, "%07o", 0);
  std::snprintf(h.data() + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(h.data() + 136, 12, "%011o", 0);
  h[156] = type;
  std::memcpy(h.data() + 257,
              "ustar\0"
              "00",
              8);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  h[155] = ' ';
  return h;
}

}  // namespace

std::string build_layer(const std::vector<Item>& items, Compression c) {
  std::string out;
  archive* a = archive_write_new();
  check(archive_write_set_format_pax_restricted(a), a);
  if (c == Compression::Gzip) check(archive_write_add_filter_gzip(a), a);
  if (c == Compression::Zstd) check(archive_write_add_filter_zstd(a), a);
  // No zero padding after the compressed stream (libarchive's default).
  check(archive_write_set_bytes_in_last_block(a, 1), a);
  check(archive_write_open(a, &out, nullptr, append_cb, nullptr), a);
  for (const Item& item : items) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, item.path.c_str());
    archive_entry_set_perm(e, item.mode);
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (item.type) {
      case 'd':
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case 'l':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, item.link.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, item.link.c_str());
        break;
      default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(item.content.size()));
    }
    check(archive_write_header(a, e), a);
    if (item.type == 'f' && !item.content.empty()) {
      archive_write_data(a, item.content.data(), item.content.size());
    }
    archive_entry_free(e);
  }
  check(archive_write_close(a), a);
  archive_write_free(a);
  return out;
}

std::string sha256_digest(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return "sha256:" + hex_encode(md, len);
}

std::string media_type(Compression c) {
  switch (c) {
    case Compression::Gzip:
      return "application/vnd.oci.image.layer.v1.tar+gzip";
    case Compression::Zstd:
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    case Compression::None:
      break;
  }
  return "application/vnd.oci.image.layer.v1.tar";
}

LayerDescriptor describe(std::string_view blob, Compression c) {
  return {media_type(c), sha256_digest(blob), blob.size()};
}

Result<size_t> ChunkedSource::read(std::span<std::byte> out) {
  size_t n = std::min({out.size(), chunk_, data_.size() - pos_});
  std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<size_t> ManyFilesTar::read(std::span<std::byte> out) {
  size_t done = 0;
  while (done < out.size()) {
    if (block_pos_ == block_.size()) {
      if (next_ < count_) {
        char name[32];
        std::snprintf(name, sizeof name, "f/%07llu", static_cast<unsigned long long>(next_++));
        block_ = ustar_header(name, 0, '0');
      } else if (!trailer_done_) {
        block_.assign(1024, '\0');
        trailer_done_ = true;
      } else {
        break;
      }
      block_pos_ = 0;
    }
    size_t n = std::min(out.size() - done, block_.size() - block_pos_);
    std::memcpy(out.data() + done, block_.data() + block_pos_, n);
    block_pos_ += n;
    done += n;
  }
  return done;
}

// Streaming gzip writer (ISA-L level 1).
class GzipWriter {
 public:
  GzipWriter() : level_buf_(ISAL_DEF_LVL1_DEFAULT), buf_(1 << 20) {
    isal_deflate_init(&s_);
    s_.level = 1;
    s_.level_buf = level_buf_.data();
    s_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    s_.gzip_flag = IGZIP_GZIP;
  }
  void write(std::string_view bytes, bool last) {
    s_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()));
    s_.avail_in = static_cast<uint32_t>(bytes.size());
    s_.end_of_stream = last;
    do {
      s_.next_out = buf_.data();
      s_.avail_out = static_cast<uint32_t>(buf_.size());
      if (isal_deflate(&s_) != COMP_OK) throw std::runtime_error("isal_deflate failed");
      out_.append(reinterpret_cast<char*>(buf_.data()), buf_.size() - s_.avail_out);
    } while (s_.avail_in > 0 || (last && s_.internal_state.state != ZSTATE_END));
  }
  std::string take() { return std::move(out_); }

 private:
  isal_zstream s_;
  std::vector<uint8_t> level_buf_, buf_;
  std::string out_;
};

std::string gzip(std::string_view bytes) {
  GzipWriter w;
  w.write(bytes, true);
  return w.take();
}

std::string zstd_with_window(std::string_view bytes, int window_log) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log);
  std::string out(ZSTD_compressBound(bytes.size()) + 1024, '\0');
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  ZSTD_inBuffer i{bytes.data(), bytes.size(), 0};
  ZSTD_compressStream2(c, &o, &i, ZSTD_e_continue);  // size unknown to the header
  ZSTD_inBuffer none{nullptr, 0, 0};
  while (ZSTD_compressStream2(c, &o, &none, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(c);
  out.resize(o.pos);
  return out;
}

std::string fixture(std::string_view name) {
  std::ifstream in(std::string(PORTCULLIS_SOURCE_DIR) + "/tests/fixtures/scanner/" +
                   std::string(name));
  if (!in) throw std::runtime_error("missing fixture " + std::string(name));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gzip_bomb(uint64_t zeros) {
  GzipWriter w;
  std::string chunk(1 << 20, '\0');
  std::string header = ustar_header("zeros", zeros, '0');
  w.write(header, false);
  // zeros, padding to 512 and the 1024-byte end-of-archive marker.
  uint64_t remaining = zeros + (512 - zeros % 512) % 512 + 1024;
  while (remaining > 0) {
    size_t n = std::min<uint64_t>(chunk.size(), remaining);
    remaining -= n;
    w.write(std::string_view(chunk).substr(0, n), remaining == 0);
  }
  return w.take();
}

}  // namespace portcullis::scanner::testing
