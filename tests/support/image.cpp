#include "tests/support/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>

#include "tests/support/fs.h"
#include "tests/support/token_signer.h"

namespace portcullis::testsupport {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kManifestType = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kConfigType = "application/vnd.oci.image.config.v1+json";

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void update(const void* data, size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string digest() {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    static const char* kHex = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// Takes the plain tar stream, compresses it into a temp file in blobs/sha256, hashes both
// sides, and renames the file to its digest at the end.
class LayerBlobWriter {
 public:
  LayerBlobWriter(const std::string& blobs_dir, Compression compression, int level)
      : blobs_dir_(blobs_dir), compression_(compression) {
    tmp_path_ = blobs_dir + "/.tmp-" + random_hex(8);
    file_ = std::fopen(tmp_path_.c_str(), "wb");
    if (!file_) throw std::runtime_error("cannot create " + tmp_path_);
    if (compression_ == Compression::Gzip) {
      isal_deflate_init(&gz_);
      gz_.gzip_flag = IGZIP_GZIP;
      level = std::clamp(level, 0, 3);
      static const uint32_t kBufSizes[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                           ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
      level_buf_.resize(kBufSizes[level]);
      gz_.level = static_cast<uint32_t>(level);
      gz_.level_buf = level_buf_.empty() ? nullptr : level_buf_.data();
      gz_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    } else if (compression_ == Compression::Zstd) {
      zstd_ = ZSTD_createCCtx();
      ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, 3);
    }
  }

  ~LayerBlobWriter() {
    if (file_) std::fclose(file_);
    if (zstd_) ZSTD_freeCCtx(zstd_);
    if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  }

  void write(const void* data, size_t n) {
    plain_hash_.update(data, n);
    plain_size_ += n;
    if (compression_ == Compression::None) return emit(data, n);
    if (compression_ == Compression::Gzip) return deflate(data, n, false);
    zstd(data, n, ZSTD_e_continue);
  }

  LayerInfo finish() {
    if (compression_ == Compression::Gzip) deflate(nullptr, 0, true);
    if (compression_ == Compression::Zstd) zstd(nullptr, 0, ZSTD_e_end);
    if (std::fclose(file_) != 0) throw std::runtime_error("write failed: " + tmp_path_);
    file_ = nullptr;
    LayerInfo info;
    info.media_type =
        compression_ == Compression::Gzip   ? "application/vnd.oci.image.layer.v1.tar+gzip"
        : compression_ == Compression::Zstd ? "application/vnd.oci.image.layer.v1.tar+zstd"
                                            : "application/vnd.oci.image.layer.v1.tar";
    info.digest = blob_hash_.digest();
    info.diff_id = plain_hash_.digest();
    info.size = blob_size_;
    info.uncompressed_size = plain_size_;
    fs::rename(tmp_path_, blobs_dir_ + "/" + info.digest.substr(7));
    tmp_path_.clear();
    return info;
  }

 private:
  void emit(const void* data, size_t n) {
    if (n == 0) return;
    if (std::fwrite(data, 1, n, file_) != n) throw std::runtime_error("write failed: " + tmp_path_);
    blob_hash_.update(data, n);
    blob_size_ += n;
  }

  void deflate(const void* data, size_t n, bool end) {
    gz_.next_in = static_cast<uint8_t*>(const_cast<void*>(data));
    gz_.avail_in = static_cast<uint32_t>(n);
    gz_.end_of_stream = end ? 1 : 0;
    gz_.flush = NO_FLUSH;
    uint8_t out[1 << 16];
    do {
      gz_.next_out = out;
      gz_.avail_out = sizeof out;
      if (isal_deflate(&gz_) != COMP_OK) throw std::runtime_error("isal_deflate failed");
      emit(out, sizeof out - gz_.avail_out);
    } while (gz_.avail_in > 0 || gz_.avail_out == 0 ||
             (end && gz_.internal_state.state != ZSTATE_END));
  }

  void zstd(const void* data, size_t n, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data, n, 0};
    char out[1 << 16];
    for (;;) {
      ZSTD_outBuffer o{out, sizeof out, 0};
      size_t left = ZSTD_compressStream2(zstd_, &o, &in, mode);
      if (ZSTD_isError(left)) throw std::runtime_error(ZSTD_getErrorName(left));
      emit(out, o.pos);
      if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) break;
    }
  }

  std::string blobs_dir_;
  Compression compression_;
  std::string tmp_path_;
  FILE* file_ = nullptr;
  isal_zstream gz_{};
  std::vector<uint8_t> level_buf_;
  ZSTD_CCtx* zstd_ = nullptr;
  Sha256 plain_hash_;
  Sha256 blob_hash_;
  uint64_t plain_size_ = 0;
  uint64_t blob_size_ = 0;
};

la_ssize_t archive_write_cb(struct archive*, void* client, const void* buf, size_t n) {
  try {
    static_cast<LayerBlobWriter*>(client)->write(buf, n);
    return static_cast<la_ssize_t>(n);
  } catch (const std::exception&) {
    return -1;
  }
}

void check(struct archive* a, int rc, const std::string& what) {
  if (rc < ARCHIVE_WARN) throw std::runtime_error(what + ": " + archive_error_string(a));
}

using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

void write_tar_entry(struct archive* a, const TarEntry& t) {
  EntryPtr e(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(e.get(), t.path.c_str());
  archive_entry_set_uid(e.get(), t.uid);
  archive_entry_set_gid(e.get(), t.gid);
  archive_entry_set_mtime(e.get(), t.mtime, 0);
  switch (t.type) {
    case TarEntry::Type::File:
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_size(e.get(), static_cast<la_int64_t>(t.content.size()));
      break;
    case TarEntry::Type::Dir:
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      break;
    case TarEntry::Type::Symlink:
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_symlink(e.get(), t.link_target.c_str());
      break;
    case TarEntry::Type::Hardlink:
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_hardlink(e.get(), t.link_target.c_str());
      archive_entry_set_size(e.get(), 0);
      break;
  }
  archive_entry_set_perm(e.get(),
                         static_cast<mode_t>(t.type == TarEntry::Type::Symlink ? 0777 : t.mode));
  check(a, archive_write_header(a, e.get()), "tar header " + t.path);
  if (t.type == TarEntry::Type::File && !t.content.empty()) {
    if (archive_write_data(a, t.content.data(), t.content.size()) < 0) {
      check(a, ARCHIVE_FATAL, "tar data " + t.path);
    }
  }
}

// Incompressible, reproducible bytes for a given seed.
void write_random_file(struct archive* a, const std::string& path, uint64_t bytes, uint64_t seed) {
  EntryPtr e(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(e.get(), path.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes));
  check(a, archive_write_header(a, e.get()), "tar header " + path);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> buf(1 << 14);
  while (bytes > 0) {
    for (auto& w : buf) w = rng();
    size_t n = static_cast<size_t>(std::min<uint64_t>(bytes, buf.size() * sizeof(uint64_t)));
    if (archive_write_data(a, buf.data(), n) < 0) check(a, ARCHIVE_FATAL, "tar data " + path);
    bytes -= n;
  }
}

void write_directory_tree(struct archive* a, const std::string& root) {
  std::vector<std::string> rel;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    rel.push_back(it->path().lexically_relative(root).string());  // relative() follows symlinks
  }
  std::sort(rel.begin(), rel.end());
  std::map<std::pair<dev_t, ino_t>, std::string> first_link;
  std::vector<char> buf(1 << 20);
  for (const auto& r : rel) {
    std::string full = root + "/" + r;
    struct stat st;
    if (::lstat(full.c_str(), &st) != 0) throw std::runtime_error("lstat " + full);
    if (S_ISSOCK(st.st_mode)) continue;  // tar cannot hold sockets
    EntryPtr e(archive_entry_new(), archive_entry_free);
    archive_entry_copy_stat(e.get(), &st);
    archive_entry_set_pathname(e.get(), r.c_str());
    bool write_data = S_ISREG(st.st_mode);
    if (S_ISLNK(st.st_mode)) {
      archive_entry_set_symlink(e.get(), fs::read_symlink(full).c_str());
    } else if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto [it, inserted] = first_link.emplace(std::make_pair(st.st_dev, st.st_ino), r);
      if (!inserted) {
        archive_entry_set_hardlink(e.get(), it->second.c_str());
        archive_entry_set_size(e.get(), 0);
        write_data = false;
      }
    }
    check(a, archive_write_header(a, e.get()), "tar header " + r);
    if (!write_data) continue;
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open " + full);
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
      if (archive_write_data(a, buf.data(), static_cast<size_t>(n)) < 0) {
        ::close(fd);
        check(a, ARCHIVE_FATAL, "tar data " + r);
      }
    }
    ::close(fd);
    if (n < 0) throw std::runtime_error("read " + full);
  }
}

json descriptor(const std::string& media_type, const std::string& digest, uint64_t size) {
  return {{"mediaType", media_type}, {"digest", digest}, {"size", size}};
}

}  // namespace

TarEntry TarEntry::file(std::string path, std::string content, int mode) {
  return {.path = std::move(path), .type = Type::File, .content = std::move(content), .mode = mode};
}
TarEntry TarEntry::dir(std::string path, int mode) {
  return {.path = std::move(path), .type = Type::Dir, .mode = mode};
}
TarEntry TarEntry::symlink(std::string path, std::string target) {
  return {.path = std::move(path), .type = Type::Symlink, .link_target = std::move(target)};
}
TarEntry TarEntry::hardlink(std::string path, std::string target) {
  return {.path = std::move(path), .type = Type::Hardlink, .link_target = std::move(target)};
}

std::string BuiltImage::blob_path(const std::string& digest) const {
  return layout_dir + "/blobs/sha256/" + digest.substr(digest.find(':') + 1);
}

OciLayoutBuilder::OciLayoutBuilder(std::string layout_dir, OciLayoutOptions options)
    : dir_(std::move(layout_dir)), options_(options) {
  next_seed_ = options_.seed ? options_.seed : std::random_device{}() * 0x9E3779B97F4A7C15ULL + 1;
  image_config_ = {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}};
  make_dirs(dir_ + "/blobs/sha256");
  write_file(dir_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
}

template <typename WriteEntries>
OciLayoutBuilder& OciLayoutBuilder::add_tar_layer(WriteEntries&& write_entries) {
  LayerBlobWriter blob(dir_ + "/blobs/sha256", options_.compression, options_.gzip_level);
  std::unique_ptr<struct archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                                   archive_write_free);
  check(a.get(), archive_write_set_format_pax_restricted(a.get()), "tar format");
  check(a.get(), archive_write_open2(a.get(), &blob, nullptr, archive_write_cb, nullptr, nullptr),
        "tar open");
  write_entries(a.get());
  check(a.get(), archive_write_close(a.get()), "tar close");
  layers_.push_back(blob.finish());
  return *this;
}

OciLayoutBuilder& OciLayoutBuilder::add_random_layer(uint64_t bytes) {
  const uint64_t seed = next_seed_++;
  const std::string name = "random-" + std::to_string(layers_.size()) + ".bin";
  return add_tar_layer([&](struct archive* a) { write_random_file(a, name, bytes, seed); });
}

OciLayoutBuilder& OciLayoutBuilder::add_layer(const std::vector<TarEntry>& entries) {
  return add_tar_layer([&](struct archive* a) {
    for (const auto& e : entries) write_tar_entry(a, e);
  });
}

OciLayoutBuilder& OciLayoutBuilder::add_layer_from_directory(const std::string& root) {
  return add_tar_layer([&](struct archive* a) { write_directory_tree(a, root); });
}

OciLayoutBuilder& OciLayoutBuilder::set_image_config(nlohmann::json config) {
  image_config_ = std::move(config);
  return *this;
}

std::string OciLayoutBuilder::write_blob(const std::string& content) {
  std::string digest = "sha256:" + sha256_hex(content);
  write_file(dir_ + "/blobs/sha256/" + digest.substr(7), content);
  return digest;
}

BuiltImage OciLayoutBuilder::build(const std::string& tag) {
  json diff_ids = json::array();
  json history = json::array();
  json layer_descs = json::array();
  for (size_t i = 0; i < layers_.size(); ++i) {
    diff_ids.push_back(layers_[i].diff_id);
    history.push_back({{"created", "1970-01-01T00:00:00Z"},
                       {"created_by", "portcullis testsupport layer " + std::to_string(i)}});
    layer_descs.push_back(descriptor(layers_[i].media_type, layers_[i].digest, layers_[i].size));
  }
  json config = {{"created", "1970-01-01T00:00:00Z"},
                 {"architecture", options_.architecture},
                 {"os", options_.os},
                 {"config", image_config_},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
                 {"history", history}};
  BuiltImage img;
  img.layout_dir = dir_;
  img.tag = tag;
  img.layers = layers_;
  img.config = config.dump();
  img.config_digest = write_blob(img.config);
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kManifestType},
                   {"config", descriptor(kConfigType, img.config_digest, img.config.size())},
                   {"layers", layer_descs}};
  img.manifest = manifest.dump();
  img.manifest_digest = write_blob(img.manifest);

  // One index entry per tag; rebuilding a tag replaces it.
  json entry = descriptor(kManifestType, img.manifest_digest, img.manifest.size());
  entry["annotations"] = {{"org.opencontainers.image.ref.name", tag}};
  auto& m = index_manifests_;
  m.erase(std::remove_if(m.begin(), m.end(),
                         [&](const json& d) {
                           return d["annotations"]["org.opencontainers.image.ref.name"] == tag;
                         }),
          m.end());
  m.push_back(entry);
  json index = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", m}};
  write_file(dir_ + "/index.json", index.dump());
  return img;
}

BuiltImage build_random_image(const std::string& layout_dir,
                              const std::vector<uint64_t>& layer_sizes, const std::string& tag,
                              OciLayoutOptions options) {
  OciLayoutBuilder b(layout_dir, options);
  for (uint64_t size : layer_sizes) b.add_random_layer(size);
  return b.build(tag);
}

}  // namespace portcullis::testsupport
