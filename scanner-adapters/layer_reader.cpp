#include "scanner-adapters/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "scanner-adapters/decompressor.h"
#include "scanner-adapters/digesting_source.h"
#include "scanner-adapters/tar_path.h"

namespace portcullis::scanner {
namespace {

using policy::FileType;

// Serves the first bytes it peeked (to sniff magic numbers), then the rest.
class PeekedSource final : public ByteSource {
 public:
  explicit PeekedSource(ByteSource& in) : in_(in) {}

  Result<std::span<const std::byte>> peek(size_t n) {
    n = std::min(n, head_.size());
    while (len_ < n) {
      auto r = in_.read(std::span(head_).subspan(len_, n - len_));
      if (!r) return r.error();
      if (*r == 0) break;
      len_ += *r;
    }
    return std::span<const std::byte>(head_.data(), len_);
  }

  Result<size_t> read(std::span<std::byte> out) override {
    if (pos_ < len_) {
      size_t n = std::min(out.size(), len_ - pos_);
      std::memcpy(out.data(), head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return in_.read(out);
  }

 private:
  ByteSource& in_;
  std::array<std::byte, 8> head_{};
  size_t len_ = 0;
  size_t pos_ = 0;
};

Compression sniff(std::span<const std::byte> head) {
  auto at = [&](size_t i) { return static_cast<uint8_t>(head[i]); };
  if (head.size() >= 2 && at(0) == 0x1f && at(1) == 0x8b) return Compression::Gzip;
  if (head.size() >= 4) {
    uint32_t magic = at(0) | at(1) << 8 | at(2) << 16 | uint32_t{at(3)} << 24;
    // zstd frame, or a skippable frame (0x184D2A50..5F) that zstd skips.
    if (magic == 0xFD2FB528u || (magic & 0xFFFFFFF0u) == 0x184D2A50u) return Compression::Zstd;
  }
  return Compression::None;
}

// Decompressed bytes for libarchive, with the uncompressed and ratio limits.
class TarFeed {
 public:
  TarFeed(Decompressor& dec, const Limits& limits, const std::string& label)
      : dec_(dec), limits_(limits), label_(label), buf_(kStreamBufferSize) {}

  static la_ssize_t read_cb(archive* a, void* self, const void** out) {
    auto* feed = static_cast<TarFeed*>(self);
    auto n = feed->pull();
    if (!n) {
      feed->error_ = n.error();
      archive_set_error(a, EIO, "%s", feed->error_->message.c_str());
      return -1;
    }
    *out = feed->buf_.data();
    return static_cast<la_ssize_t>(*n);
  }

  Result<size_t> pull() {
    auto n = dec_.read(std::span(buf_));
    if (!n) return n.error();
    total_ += *n;
    if (total_ > limits_.max_uncompressed_bytes) {
      return make_error(label_ + " exceeds the uncompressed size limit (more than " +
                        std::to_string(limits_.max_uncompressed_bytes) + " bytes)");
    }
    uint64_t consumed = std::max<uint64_t>(dec_.consumed(), 1);
    if (total_ > limits_.ratio_grace_bytes && total_ / consumed > limits_.max_decompression_ratio) {
      return make_error(label_ + " exceeds the decompression ratio limit (ratio " +
                        std::to_string(total_ / consumed) + ":1 > " +
                        std::to_string(limits_.max_decompression_ratio) + ":1)");
    }
    return *n;
  }

  uint64_t total() const { return total_; }
  const std::optional<ScanError>& error() const { return error_; }

 private:
  Decompressor& dec_;
  const Limits& limits_;
  const std::string& label_;
  std::vector<std::byte> buf_;
  uint64_t total_ = 0;
  std::optional<ScanError> error_;
};

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

FileType file_type(archive_entry* e) {
  if (archive_entry_hardlink(e) != nullptr) return FileType::Hardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
      return FileType::Directory;
    case AE_IFLNK:
      return FileType::Symlink;
    case AE_IFCHR:
      return FileType::CharDevice;
    case AE_IFBLK:
      return FileType::BlockDevice;
    case AE_IFIFO:
      return FileType::Fifo;
    case AE_IFSOCK:
      return FileType::Socket;
    default:
      return FileType::Regular;
  }
}

class TarWalker {
 public:
  TarWalker(TarFeed& feed, const Limits& limits, const std::string& label, LayerVisitor& visitor)
      : feed_(feed), limits_(limits), label_(label), visitor_(visitor) {}

  // Walks every entry; returns the entry count.
  Result<uint64_t> walk() {
    std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
    // tar covers ustar, pax and GNU; no libarchive filters: we decompress.
    archive_read_support_format_tar(a.get());
    if (archive_read_open(a.get(), &feed_, nullptr, &TarFeed::read_cb, nullptr) != ARCHIVE_OK) {
      return archive_failure(a.get());
    }
    uint64_t entries = 0;
    for (;;) {
      archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return archive_failure(a.get());
      if (++entries > limits_.max_entries_per_layer) {
        return make_error(label_ + " exceeds the entry limit (more than " +
                          std::to_string(limits_.max_entries_per_layer) + " entries)");
      }
      auto entry = to_entry(e);
      if (!entry) return entry.error();
      auto want = visitor_.on_entry(*entry);
      if (!want) return want.error();
      if (*want) {
        auto content = read_content(a.get(), *entry);
        if (!content) return content.error();
        if (auto v = visitor_.on_content(std::move(*content)); !v) return v.error();
      } else if (archive_read_data_skip(a.get()) < ARCHIVE_WARN) {
        return archive_failure(a.get());
      }
    }
    return entries;
  }

 private:
  ScanError archive_failure(archive* a) {
    if (feed_.error()) return *feed_.error();
    const char* msg = archive_error_string(a);
    return make_error(label_ + ": malformed tar: " + (msg ? msg : "unknown error"));
  }

  Result<std::string> checked_path(const char* raw, const char* what) {
    std::string_view view(raw);
    if (view.size() > limits_.max_path_length) {
      return make_error(label_ + " exceeds the path length limit (" + what + " of " +
                        std::to_string(view.size()) + " bytes > " +
                        std::to_string(limits_.max_path_length) + " bytes)");
    }
    auto norm = normalise_tar_path(view, limits_.absolute_paths_relative_to_root);
    switch (norm.verdict) {
      case PathVerdict::Ok:
        return std::move(norm.path);
      case PathVerdict::Empty:
        return make_error(label_ + ": tar " + what + " is empty");
      case PathVerdict::Traversal:
        return make_error(label_ + ": tar " + what + " " + quote_path(view) +
                          " escapes the image root (\"..\" component)");
      case PathVerdict::Absolute:
        break;
    }
    return make_error(label_ + ": tar " + what + " " + quote_path(view) + " is an absolute path");
  }

  Result<TarEntry> to_entry(archive_entry* e) {
    const char* raw = archive_entry_pathname(e);
    if (raw == nullptr) raw = archive_entry_pathname_utf8(e);
    if (raw == nullptr) return make_error(label_ + ": malformed tar: entry without a path");
    TarEntry entry;
    auto path = checked_path(raw, "entry");
    if (!path) return path.error();
    entry.path = std::move(*path);
    entry.type = file_type(e);
    entry.mode = static_cast<uint32_t>(archive_entry_perm(e)) & 07777;
    entry.size = archive_entry_size(e) > 0 ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
    if (entry.type == FileType::Hardlink) {
      auto target = checked_path(archive_entry_hardlink(e), "hardlink target");
      if (!target) return target.error();
      entry.link_target = std::move(*target);
    } else if (entry.type == FileType::Symlink) {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr) target = archive_entry_symlink_utf8(e);
      entry.link_target = target ? target : "";
      if (entry.link_target.size() > limits_.max_path_length) {
        return make_error(label_ + " exceeds the path length limit (symlink target of " +
                          std::to_string(entry.link_target.size()) + " bytes > " +
                          std::to_string(limits_.max_path_length) + " bytes)");
      }
    }
    return entry;
  }

  Result<std::string> read_content(archive* a, const TarEntry& entry) {
    if (entry.size > limits_.max_metadata_file_bytes) {
      return make_error(label_ + " exceeds the metadata file size limit (" + entry.path + " is " +
                        std::to_string(entry.size) + " bytes > " +
                        std::to_string(limits_.max_metadata_file_bytes) + " bytes)");
    }
    std::string content(entry.size, '\0');
    size_t got = 0;
    while (got < content.size()) {
      la_ssize_t n = archive_read_data(a, content.data() + got, content.size() - got);
      if (n < 0) return archive_failure(a);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    content.resize(got);
    return content;
  }

  TarFeed& feed_;
  const Limits& limits_;
  const std::string& label_;
  LayerVisitor& visitor_;
};

}  // namespace

std::string layer_label(std::string_view digest) {
  if (digest.size() > 140) return "layer " + quote_path(digest.substr(0, 140));
  return "layer " + std::string(digest);
}

Result<Compression> compression_from_media_type(std::string_view mt) {
  static constexpr std::pair<std::string_view, Compression> kTypes[] = {
      {"application/vnd.oci.image.layer.v1.tar", Compression::None},
      {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::Gzip},
      {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::Zstd},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::None},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::Gzip},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::Zstd},
      {"application/vnd.docker.image.rootfs.diff.tar", Compression::None},
      {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::Gzip},
      {"application/vnd.docker.image.rootfs.diff.tar.zstd", Compression::Zstd},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::Gzip},
  };
  for (const auto& [name, c] : kTypes) {
    if (mt == name) return c;
  }
  return make_error("unsupported layer media type " + quote_path(mt));
}

Result<LayerStats> inspect_layer(ByteSource& blob, const LayerDescriptor& layer,
                                 const Limits& limits, LayerVisitor& visitor) {
  const std::string label = layer_label(layer.digest);
  if (!layer.media_type.empty()) {
    auto declared = compression_from_media_type(layer.media_type);
    if (!declared) return make_error(label + ": " + declared.error().message);
  }
  if (layer.size && *layer.size > limits.max_compressed_bytes) {
    return make_error(label + " exceeds the compressed size limit (" + std::to_string(*layer.size) +
                      " bytes > " + std::to_string(limits.max_compressed_bytes) + " bytes)");
  }
  auto digesting = DigestingSource::create(blob, layer.digest, limits.max_compressed_bytes, label);
  if (!digesting) return digesting.error();
  DigestingSource& raw = **digesting;
  if (layer.size) raw.expect_size(*layer.size);

  // Docker mislabels compression at times (tar.gzip for plain tar): trust the
  // magic bytes over the media type.
  PeekedSource peeked(raw);
  auto head = peeked.peek(4);
  if (!head) return head.error();
  LayerStats stats;
  stats.compression = sniff(*head);
  std::unique_ptr<Decompressor> dec;
  switch (stats.compression) {
    case Compression::Gzip:
      dec = make_gzip_decompressor(peeked, label);
      break;
    case Compression::Zstd:
      dec = make_zstd_decompressor(peeked, limits.max_zstd_window_log, label);
      break;
    case Compression::None:
      dec = make_identity_decompressor(peeked);
      break;
  }

  TarFeed feed(*dec, limits, label);
  TarWalker walker(feed, limits, label, visitor);
  auto entries = walker.walk();
  if (!entries) return entries.error();
  stats.entries = *entries;
  // Past the end-of-archive blocks: drain padding (and the compression
  // trailer, whose CRC must still check) so the whole blob is hashed.
  for (;;) {
    auto n = feed.pull();
    if (!n) return n.error();
    if (*n == 0) break;
  }
  stats.compressed_bytes = raw.bytes();
  stats.uncompressed_bytes = feed.total();
  if (auto v = raw.verify(); !v) return v.error();
  return stats;
}

}  // namespace portcullis::scanner
