#include "tests/support/rootfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tests/support/fs.h"
#include "tests/support/process.h"

namespace portcullis::testsupport {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool contains(const std::vector<std::string_view>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Files in `dir` whose names end with `suffix`, sorted (as apt reads them).
std::vector<std::string> files_ending(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().ends_with(suffix)) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open lock file " + path);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw std::runtime_error("flock " + path);
    }
  }
  ~FileLock() { ::close(fd_); }  // closing releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// mountinfo escapes spaces and the like as \ooo.
std::string unescape_mount_point(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 3)), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A debootstrap that died may leave /proc or /sys mounted inside its target: detach those
// before removing the tree, so remove_all never walks into a live filesystem.
void unmount_below(const std::string& dir) {
  std::vector<std::string> points;
  for (auto line : lines(read_file("/proc/self/mountinfo"))) {
    auto w = words(line);
    if (w.size() < 5) continue;
    std::string point = unescape_mount_point(w[4]);
    if (point.starts_with(dir + "/")) points.push_back(point);
  }
  std::sort(points.rbegin(), points.rend());  // deepest first
  for (const auto& p : points) ::umount2(p.c_str(), MNT_DETACH);
}

void remove_tree(const std::string& dir) {
  if (!fs::exists(fs::symlink_status(dir))) return;
  unmount_below(dir);
  fs::remove_all(dir);
}

std::string tail(const std::string& text, size_t n = 4000) {
  return text.size() > n ? "..." + text.substr(text.size() - n) : text;
}

// ---------------------------------------------------------------------------------------------
// Tar writing

struct Stat {
  struct stat st {};
  bool exists = false;
};

Stat lstat_of(const std::string& path) {
  Stat s;
  s.exists = ::lstat(path.c_str(), &s.st) == 0;
  return s;
}

std::vector<std::string> sorted_names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string join(const std::string& rel, const std::string& name) {
  return rel.empty() ? name : rel + "/" + name;
}

bool same_bytes(const std::string& a, const std::string& b) {
  std::unique_ptr<FILE, decltype(&std::fclose)> fa(std::fopen(a.c_str(), "rb"), std::fclose);
  std::unique_ptr<FILE, decltype(&std::fclose)> fb(std::fopen(b.c_str(), "rb"), std::fclose);
  if (!fa || !fb) throw std::runtime_error("cannot read " + a + " or " + b);
  std::vector<char> ba(1 << 16), bb(1 << 16);
  for (;;) {
    size_t na = std::fread(ba.data(), 1, ba.size(), fa.get());
    size_t nb = std::fread(bb.data(), 1, bb.size(), fb.get());
    if (na != nb || std::memcmp(ba.data(), bb.data(), na) != 0) return false;
    if (na == 0) return true;
  }
}

// Same as far as an unpacked image can tell (mtimes are not kept in our layers).
bool same_entry(const std::string& a, const struct stat& sa, const std::string& b,
                const struct stat& sb) {
  if ((sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) return false;
  if ((sa.st_mode & 07777) != (sb.st_mode & 07777)) return false;
  if (sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid) return false;
  if (S_ISLNK(sa.st_mode)) return fs::read_symlink(a) == fs::read_symlink(b);
  if (S_ISCHR(sa.st_mode) || S_ISBLK(sa.st_mode)) return sa.st_rdev == sb.st_rdev;
  if (S_ISREG(sa.st_mode)) return sa.st_size == sb.st_size && same_bytes(a, b);
  return true;
}

std::string hex64(uint64_t v) {
  static const char* kHex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 15];
  return out;
}

uint64_t splitmix64(uint64_t x) {  // a bijection: distinct inputs give distinct names
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The Debian mirror

std::string mirror_from_deb822(std::string_view text, std::string_view suite) {
  std::vector<std::string_view> types, uris, suites;
  bool enabled = true;
  std::string found;
  auto finish_stanza = [&] {
    if (found.empty() && enabled && contains(types, "deb") && contains(suites, suite) &&
        !uris.empty()) {
      found = std::string(uris.front());
    }
    types.clear();
    uris.clear();
    suites.clear();
    enabled = true;
  };
  for (auto line : lines(text)) {
    if (line.starts_with('#')) continue;
    if (words(line).empty()) {
      finish_stanza();
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.front() == ' ' || line.front() == '\t') continue;
    std::string_view key = line.substr(0, colon);
    auto values = words(line.substr(colon + 1));
    if (key == "Types") types = values;
    if (key == "URIs") uris = values;
    if (key == "Suites") suites = values;
    if (key == "Enabled") enabled = values.empty() || values.front() != "no";
  }
  finish_stanza();
  return found;
}

std::string mirror_from_sources_list(std::string_view text, std::string_view suite) {
  for (auto line : lines(text)) {
    auto w = words(line.substr(0, line.find('#')));
    if (w.empty() || w.front() != "deb") continue;
    size_t i = 1;
    if (i < w.size() && w[i].starts_with('[')) {  // [arch=amd64 signed-by=...]
      while (i < w.size() && !w[i].ends_with(']')) ++i;
      ++i;
    }
    if (i + 1 < w.size() && w[i + 1] == suite) return std::string(w[i]);
  }
  return {};
}

std::string apt_mirror_for_suite(std::string_view suite) {
  for (const auto& f : files_ending("/etc/apt/sources.list.d", ".sources")) {
    auto uri = mirror_from_deb822(read_file(f), suite);
    if (!uri.empty()) return uri;
  }
  std::vector<std::string> lists;
  if (fs::exists("/etc/apt/sources.list")) lists.push_back("/etc/apt/sources.list");
  for (auto& f : files_ending("/etc/apt/sources.list.d", ".list")) lists.push_back(f);
  for (const auto& f : lists) {
    auto uri = mirror_from_sources_list(read_file(f), suite);
    if (!uri.empty()) return uri;
  }
  throw std::runtime_error("no apt source on this machine serves suite " + std::string(suite));
}

// ---------------------------------------------------------------------------------------------
// Cache

std::string cached_directory(const std::string& cache_dir, const std::string& name,
                             const std::function<void(const std::string& tmp)>& build) {
  const std::string final_dir = cache_dir + "/" + name;
  make_dirs(fs::path(final_dir).parent_path().string());
  FileLock lock(final_dir + ".lock");
  if (fs::is_directory(final_dir)) return final_dir;
  const std::string tmp = final_dir + ".tmp";
  remove_tree(tmp);  // left by a run that was killed mid-build
  make_dirs(tmp);
  try {
    build(tmp);
  } catch (...) {
    remove_tree(tmp);
    throw;
  }
  fs::rename(tmp, final_dir);
  return final_dir;
}

// ---------------------------------------------------------------------------------------------
// debootstrap

std::string DebootstrapSpec::name() const {
  std::string out = suite + "-" + variant;
  for (const auto& p : include) out += "+" + p;
  return out;
}

std::string debootstrap_rootfs(const std::string& cache_dir, const DebootstrapSpec& spec) {
  const std::string mirror = apt_mirror_for_suite(spec.suite);
  const std::string base = cache_dir + "/rootfs";
  return cached_directory(base, spec.name(), [&](const std::string& tmp) {
    make_dirs(base + "/debs");
    // One debootstrap at a time shares the package cache (lock order: entry, then debs).
    FileLock debs_lock(base + "/debs.lock");
    std::vector<std::string> argv = {"debootstrap", "--variant=" + spec.variant,
                                     "--cache-dir=" + base + "/debs"};
    if (!spec.include.empty()) {
      std::string list;
      for (const auto& p : spec.include) list += (list.empty() ? "" : ",") + p;
      argv.push_back("--include=" + list);
    }
    argv.insert(argv.end(), {spec.suite, tmp, mirror});
    const std::string log = base + "/" + spec.name() + ".log";
    std::error_code ec;
    fs::remove(log, ec);
    auto r = run(argv, {.stdout_path = log, .stderr_path = log}, std::chrono::minutes(20));
    if (!r.ok()) throw std::runtime_error("debootstrap failed:\n" + r.describe());
    if (!fs::exists(tmp + "/var/lib/dpkg/status"))
      throw std::runtime_error("debootstrap left no dpkg status:\n" + tail(read_file(log)));
  });
}

std::string dpkg_installed_version(const std::string& root, std::string_view package) {
  const std::string status = read_file(root + "/var/lib/dpkg/status");
  std::string name, version;
  bool installed = false;
  for (auto line : lines(status)) {
    if (line.empty()) {
      if (name == package && installed) return version;
      name.clear();
      version.clear();
      installed = false;
    } else if (line.starts_with("Package: ")) {
      name = line.substr(9);
    } else if (line.starts_with("Version: ")) {
      version = line.substr(9);
    } else if (line.starts_with("Status: ")) {
      installed = line.ends_with(" installed");
    }
  }
  return name == package && installed ? version : std::string();
}

// ---------------------------------------------------------------------------------------------
// Layers

struct LayerWriter::Impl {
  std::string blob_path;
  std::string tar_path;
  Compression compression;
  struct archive* a = nullptr;
  struct archive_entry* entry = nullptr;                      // reused for every header
  std::map<std::pair<dev_t, ino_t>, std::string> first_name;  // hardlinks, within this layer
  std::vector<char> buf = std::vector<char>(1 << 20);
  bool finished = false;

  void check(int rc, const std::string& what) {
    if (rc < ARCHIVE_WARN) throw std::runtime_error(what + ": " + archive_error_string(a));
  }

  // Every header goes through here: numeric owners, no names, mtime as given.
  void header(const std::string& path, mode_t type, int perm, uid_t uid, gid_t gid,
              int64_t size = 0, int64_t mtime = 0, const std::string& symlink = {},
              const std::string& hardlink = {}, dev_t rdev = 0) {
    archive_entry_clear(entry);
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, static_cast<mode_t>(perm));
    archive_entry_set_uid(entry, uid);
    archive_entry_set_gid(entry, gid);
    archive_entry_set_mtime(entry, mtime, 0);
    if (!symlink.empty()) archive_entry_set_symlink(entry, symlink.c_str());
    if (!hardlink.empty()) archive_entry_set_hardlink(entry, hardlink.c_str());
    if (type == AE_IFCHR || type == AE_IFBLK) archive_entry_set_rdev(entry, rdev);
    archive_entry_set_size(entry, size);
    check(archive_write_header(a, entry), "tar header " + path);
  }

  void data(const void* p, size_t n, const std::string& path) {
    if (n > 0 && archive_write_data(a, p, n) < 0) check(ARCHIVE_FATAL, "tar data " + path);
  }

  // One filesystem object of `root` as `rel`.
  void write_path(const std::string& root, const std::string& rel) {
    const std::string full = root + "/" + rel;
    struct stat st;
    if (::lstat(full.c_str(), &st) != 0) throw std::runtime_error("lstat " + full);
    const int perm = st.st_mode & 07777;
    switch (st.st_mode & S_IFMT) {
      case S_IFDIR:
        return header(rel, AE_IFDIR, perm, st.st_uid, st.st_gid);
      case S_IFLNK:
        return header(rel, AE_IFLNK, perm, st.st_uid, st.st_gid, 0, 0, fs::read_symlink(full));
      case S_IFCHR:
        return header(rel, AE_IFCHR, perm, st.st_uid, st.st_gid, 0, 0, {}, {}, st.st_rdev);
      case S_IFBLK:
        return header(rel, AE_IFBLK, perm, st.st_uid, st.st_gid, 0, 0, {}, {}, st.st_rdev);
      case S_IFIFO:
        return header(rel, AE_IFIFO, perm, st.st_uid, st.st_gid);
      case S_IFREG:
        break;
      default:
        return;  // sockets: tar cannot hold them
    }
    if (st.st_nlink > 1) {
      auto [it, inserted] = first_name.emplace(std::make_pair(st.st_dev, st.st_ino), rel);
      if (!inserted) return header(rel, AE_IFREG, perm, st.st_uid, st.st_gid, 0, 0, {}, it->second);
    }
    header(rel, AE_IFREG, perm, st.st_uid, st.st_gid, st.st_size);
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open " + full);
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0)
      data(buf.data(), static_cast<size_t>(n), rel);
    ::close(fd);
    if (n < 0) throw std::runtime_error("read " + full);
  }

  // `rel` and, for a directory, everything below it that `include` keeps.
  void write_subtree(const std::string& root, const std::string& rel,
                     const std::function<bool(const std::string&)>& include) {
    if (!rel.empty()) {
      if (include && !include(rel)) return;
      write_path(root, rel);
    }
    const std::string full = rel.empty() ? root : root + "/" + rel;
    const Stat s = lstat_of(full);
    if (!s.exists || !S_ISDIR(s.st.st_mode)) return;
    for (const auto& name : sorted_names(full)) write_subtree(root, join(rel, name), include);
  }

  // The difference of directory `rel`, present (as a directory) in both trees.
  void diff_dir(const std::string& lower, const std::string& upper, const std::string& rel,
                WhiteoutStyle style, const std::function<bool(const std::string&)>& include) {
    const std::string up_dir = rel.empty() ? upper : upper + "/" + rel;
    const std::string low_dir = rel.empty() ? lower : lower + "/" + rel;
    auto kept_names = [&](const std::string& dir) {
      auto names = sorted_names(dir);
      if (include)
        std::erase_if(names, [&](const std::string& n) { return !include(join(rel, n)); });
      return names;
    };
    const auto up_names = kept_names(up_dir);
    std::vector<std::string> removed;
    const std::set<std::string> up_set(up_names.begin(), up_names.end());
    for (const auto& name : kept_names(low_dir)) {
      if (!up_set.contains(name)) removed.push_back(name);
    }
    if (style == WhiteoutStyle::Opaque && !removed.empty() && !rel.empty()) {
      write_path(upper, rel);
      header(rel + "/.wh..wh..opq", AE_IFREG, 0644, 0, 0);
      for (const auto& name : up_names) write_subtree(upper, join(rel, name), include);
      return;
    }
    for (const auto& name : removed) {
      header(join(rel, ".wh." + name), AE_IFREG, 0644, 0, 0);
    }
    for (const auto& name : up_names) {
      const std::string child = join(rel, name);
      const Stat u = lstat_of(upper + "/" + child);
      const Stat l = lstat_of(lower + "/" + child);
      if (l.exists && S_ISDIR(u.st.st_mode) && S_ISDIR(l.st.st_mode)) {
        // Same directory: its own header only if its mode or owner changed.
        if ((l.st.st_mode & 07777) != (u.st.st_mode & 07777) || l.st.st_uid != u.st.st_uid ||
            l.st.st_gid != u.st.st_gid) {
          write_path(upper, child);
        }
        diff_dir(lower, upper, child, style, include);
      } else if (!l.exists || !same_entry(lower + "/" + child, l.st, upper + "/" + child, u.st)) {
        write_subtree(upper, child, include);
      }
    }
  }
};

LayerWriter::LayerWriter(std::string blob_path, Compression compression) : impl_(new Impl) {
  impl_->blob_path = std::move(blob_path);
  impl_->tar_path = impl_->blob_path + ".tar";
  impl_->compression = compression;
  impl_->a = archive_write_new();
  impl_->entry = archive_entry_new();
  impl_->check(archive_write_set_format_pax_restricted(impl_->a), "tar format");
  impl_->check(archive_write_open_filename(impl_->a, impl_->tar_path.c_str()),
               "tar open " + impl_->tar_path);
}

LayerWriter::~LayerWriter() {
  if (impl_->a) archive_write_free(impl_->a);
  archive_entry_free(impl_->entry);
  std::error_code ec;
  if (!impl_->finished) fs::remove(impl_->tar_path, ec);
  delete impl_;
}

LayerWriter& LayerWriter::add(const TarEntry& e) {
  switch (e.type) {
    case TarEntry::Type::File:
      impl_->header(e.path, AE_IFREG, e.mode, e.uid, e.gid, static_cast<int64_t>(e.content.size()),
                    e.mtime);
      impl_->data(e.content.data(), e.content.size(), e.path);
      break;
    case TarEntry::Type::Dir:
      impl_->header(e.path, AE_IFDIR, e.mode, e.uid, e.gid, 0, e.mtime);
      break;
    case TarEntry::Type::Symlink:
      impl_->header(e.path, AE_IFLNK, 0777, e.uid, e.gid, 0, e.mtime, e.link_target);
      break;
    case TarEntry::Type::Hardlink:
      impl_->header(e.path, AE_IFREG, e.mode, e.uid, e.gid, 0, e.mtime, {}, e.link_target);
      break;
  }
  return *this;
}

LayerWriter& LayerWriter::add_tree(const std::string& root,
                                   const std::function<bool(const std::string&)>& include) {
  impl_->write_subtree(root, "", include);
  return *this;
}

LayerWriter& LayerWriter::add_tree_diff(const std::string& lower, const std::string& upper,
                                        WhiteoutStyle style,
                                        const std::function<bool(const std::string&)>& include) {
  impl_->diff_dir(lower, upper, "", style, include);
  return *this;
}

LayerWriter& LayerWriter::add_whiteout(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  impl_->header(dir + ".wh." + name, AE_IFREG, 0644, 0, 0);
  return *this;
}

LayerWriter& LayerWriter::add_opaque_marker(const std::string& dir) {
  impl_->header(dir + "/.wh..wh..opq", AE_IFREG, 0644, 0, 0);
  return *this;
}

LayerWriter& LayerWriter::add_zeros_file(const std::string& path, uint64_t bytes) {
  impl_->header(path, AE_IFREG, 0644, 0, 0, static_cast<int64_t>(bytes));
  std::fill(impl_->buf.begin(), impl_->buf.end(), 0);
  while (bytes > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(bytes, impl_->buf.size()));
    impl_->data(impl_->buf.data(), n, path);
    bytes -= n;
  }
  return *this;
}

LayerWriter& LayerWriter::add_empty_files(const std::string& dir, uint64_t count) {
  impl_->header(dir, AE_IFDIR, 0755, 0, 0);
  for (uint64_t i = 0; i < count; ++i) {
    impl_->header(dir + "/" + hex64(splitmix64(i)), AE_IFREG, 0644, 0, 0);
  }
  return *this;
}

LayerBlob LayerWriter::finish() {
  if (impl_->finished) throw std::runtime_error("LayerWriter::finish called twice");
  impl_->check(archive_write_close(impl_->a), "tar close");
  archive_write_free(impl_->a);
  impl_->a = nullptr;
  impl_->finished = true;
  const std::string& tar = impl_->tar_path;
  const std::string& blob = impl_->blob_path;
  const std::string diff_id = sha256_file(tar);
  const uint64_t tar_size = fs::file_size(tar);
  std::string media_type = "application/vnd.oci.image.layer.v1.tar";
  if (impl_->compression == Compression::None) {
    fs::rename(tar, blob);
  } else {
    const bool gzip = impl_->compression == Compression::Gzip;
    std::vector<std::string> argv =
        gzip ? std::vector<std::string>{"igzip", "-1", "-n", "-f", "-o", blob, tar}
             : std::vector<std::string>{"zstd", "-3", "-q", "-f", "--no-progress", "-o", blob, tar};
    auto r = run(argv, {}, std::chrono::minutes(5));
    std::error_code ec;
    fs::remove(tar, ec);
    if (!r.ok()) throw std::runtime_error("compressing a layer failed:\n" + r.describe());
    media_type += gzip ? "+gzip" : "+zstd";
  }
  LayerBlob out = describe_blob(blob, media_type, diff_id);
  out.info.uncompressed_size = tar_size;
  return out;
}

LayerBlob describe_blob(const std::string& path, std::string media_type, std::string diff_id) {
  LayerBlob out;
  out.path = path;
  out.info.media_type = std::move(media_type);
  out.info.digest = sha256_file(path);
  out.info.diff_id = std::move(diff_id);
  out.info.size = fs::file_size(path);
  return out;
}

std::string sha256_file(const std::string& path) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  }
  unsigned char md[32];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

BuiltImage write_oci_layout(const std::string& layout_dir, const std::vector<LayerBlob>& layers,
                            const std::string& tag, const OciLayoutOptions& options) {
  const std::string blobs = layout_dir + "/blobs/sha256";
  make_dirs(blobs);
  write_file(layout_dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  auto put_file = [&](const std::string& from, const std::string& digest) {
    const std::string to = blobs + "/" + digest.substr(7);
    if (fs::exists(to)) return;
    std::error_code ec;
    fs::create_hard_link(from, to, ec);
    if (ec) fs::copy_file(from, to);
  };
  auto put_bytes = [&](const std::string& bytes) {
    const std::string tmp = blobs + "/.tmp-blob";
    write_file(tmp, bytes);
    const std::string digest = sha256_file(tmp);
    fs::rename(tmp, blobs + "/" + digest.substr(7));
    return digest;
  };
  BuiltImage img;
  img.layout_dir = layout_dir;
  img.tag = tag;
  json diff_ids = json::array(), history = json::array(), descs = json::array();
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    put_file(l.path, l.info.digest);
    img.layers.push_back(l.info);
    diff_ids.push_back(l.info.diff_id);
    history.push_back({{"created", "1970-01-01T00:00:00Z"},
                       {"created_by", "portcullis testsupport layer " + std::to_string(i)}});
    descs.push_back(
        {{"mediaType", l.info.media_type}, {"digest", l.info.digest}, {"size", l.info.size}});
  }
  json config = {
      {"created", "1970-01-01T00:00:00Z"},
      {"architecture", options.architecture},
      {"os", options.os},
      {"config", {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
      {"history", history}};
  img.config = config.dump();
  img.config_digest = put_bytes(img.config);
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", img.config_digest},
                     {"size", img.config.size()}}},
                   {"layers", descs}};
  img.manifest = manifest.dump();
  img.manifest_digest = put_bytes(img.manifest);

  json index = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", json::array()}};
  if (fs::exists(layout_dir + "/index.json"))
    index = json::parse(read_file(layout_dir + "/index.json"));
  auto& m = index["manifests"];
  m.erase(std::remove_if(m.begin(), m.end(),
                         [&](const json& d) {
                           return d["annotations"]["org.opencontainers.image.ref.name"] == tag;
                         }),
          m.end());
  m.push_back({{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
               {"digest", img.manifest_digest},
               {"size", img.manifest.size()},
               {"annotations", {{"org.opencontainers.image.ref.name", tag}}}});
  write_file(layout_dir + "/index.json", index.dump());
  return img;
}

BuiltImage read_oci_layout(const std::string& layout_dir, const std::string& tag) {
  BuiltImage img;
  img.layout_dir = layout_dir;
  img.tag = tag;
  const auto blob = [&](const std::string& digest) { return read_file(img.blob_path(digest)); };
  const auto index = json::parse(read_file(layout_dir + "/index.json"));
  for (const auto& d : index["manifests"]) {
    if (d["annotations"]["org.opencontainers.image.ref.name"] == tag)
      img.manifest_digest = d["digest"];
  }
  if (img.manifest_digest.empty()) throw std::runtime_error("no tag " + tag + " in " + layout_dir);
  img.manifest = blob(img.manifest_digest);
  const auto manifest = json::parse(img.manifest);
  img.config_digest = manifest["config"]["digest"];
  img.config = blob(img.config_digest);
  const auto diff_ids = json::parse(img.config)["rootfs"]["diff_ids"];
  for (size_t i = 0; i < manifest["layers"].size(); ++i) {
    const auto& l = manifest["layers"][i];
    LayerInfo info;
    info.media_type = l["mediaType"];
    info.digest = l["digest"];
    info.size = l["size"];
    if (i < diff_ids.size()) info.diff_id = diff_ids[i];
    img.layers.push_back(info);
  }
  return img;
}

}  // namespace portcullis::testsupport
