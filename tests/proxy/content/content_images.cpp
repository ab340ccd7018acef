#include "tests/proxy/content/content_images.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "tests/support/clients.h"
#include "tests/support/fs.h"
#include "tests/support/net.h"
#include "tests/support/token_signer.h"

namespace portcullis::testing {

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

// Bump when an image recipe changes, so an old cache entry is not reused.
constexpr const char* kDebianEntry = "images/debian-bookworm-v1";
constexpr const char* kHostileEntry = "images/hostile-v2";

LayerBlob make_layer(const std::string& path, Compression c,
                     const std::function<void(LayerWriter&)>& fill) {
  LayerWriter w(path, c);
  fill(w);
  return w.finish();
}

// What Debian's own images leave out too: apt's package lists and caches (the layer is then
// the issue's ~150 MB tar).
bool image_path(const std::string& rel) {
  if (rel.starts_with("var/lib/apt/lists/")) return false;
  if (rel.starts_with("var/cache/apt/"))
    return rel == "var/cache/apt/archives" || rel == "var/cache/apt/archives/partial";
  return true;
}

// Printable, reproducible, not very compressible text.
std::string text_of(size_t bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(bytes, ' ');
  for (auto& ch : out) ch = static_cast<char>('!' + rng() % 90);
  return out;
}

// The first `keep` bytes of `from`, as a blob file.
void write_prefix(const std::string& from, const std::string& to, size_t keep) {
  const std::string bytes = read_file(from);
  write_file(to, std::string_view(bytes).substr(0, keep));
}

}  // namespace

std::string test_cache_dir() {
  if (const char* env = std::getenv("PORTCULLIS_TEST_CACHE_DIR"); env && *env) return env;
  return PORTCULLIS_TEST_CACHE_DIR;
}

DebianImages debian_images() {
  const std::string cache = test_cache_dir();
  const std::string plain_root = debootstrap_rootfs(cache, {});
  const std::string sshd_root = debootstrap_rootfs(cache, {.include = {"openssh-server"}});
  const std::string layout = cached_directory(cache, kDebianEntry, [&](const std::string& tmp) {
    const std::string dir = tmp + "/layers";
    make_dirs(dir);
    auto tree = [](const std::string& root) {
      return [root](LayerWriter& w) { w.add_tree(root, image_path); };
    };
    auto diff = [&](WhiteoutStyle style) {
      return
          [&, style](LayerWriter& w) { w.add_tree_diff(sshd_root, plain_root, style, image_path); };
    };
    const auto plain = make_layer(dir + "/plain", Compression::Gzip, tree(plain_root));
    const auto sshd = make_layer(dir + "/sshd", Compression::Gzip, tree(sshd_root));
    const auto sshd_zstd = make_layer(dir + "/sshd-zstd", Compression::Zstd, tree(sshd_root));
    const auto purge = make_layer(dir + "/purge", Compression::Gzip, diff(WhiteoutStyle::PerPath));
    const auto purge_opaque =
        make_layer(dir + "/purge-opaque", Compression::Gzip, diff(WhiteoutStyle::Opaque));
    write_oci_layout(tmp, {plain}, "plain");
    write_oci_layout(tmp, {sshd}, "sshd");
    write_oci_layout(tmp, {sshd_zstd}, "sshd-zstd");
    write_oci_layout(tmp, {sshd, purge}, "purged");
    write_oci_layout(tmp, {sshd, purge_opaque}, "purged-opaque");
    fs::remove_all(dir);  // the layout holds hard links to the blobs
  });
  DebianImages out;
  out.sshd_version = dpkg_installed_version(sshd_root, "openssh-server");
  out.plain = read_oci_layout(layout, "plain");
  out.sshd = read_oci_layout(layout, "sshd");
  out.sshd_zstd = read_oci_layout(layout, "sshd-zstd");
  out.purged = read_oci_layout(layout, "purged");
  out.purged_opaque = read_oci_layout(layout, "purged-opaque");
  return out;
}

HostileImages hostile_images() {
  const std::string layout =
      cached_directory(test_cache_dir(), kHostileEntry, [](const std::string& tmp) {
        const std::string dir = tmp + "/layers";
        make_dirs(dir);
        auto one = [&](const std::string& tag, Compression c,
                       const std::function<void(LayerWriter&)>& fill) {
          write_oci_layout(tmp, {make_layer(dir + "/" + tag, c, fill)}, tag);
        };
        one("gzip-bomb", Compression::Gzip, [](LayerWriter& w) {
          w.add(TarEntry::dir("var")).add_zeros_file("var/zeros", 1ull << 30);
        });
        one("dot-dot", Compression::Gzip, [](LayerWriter& w) {
          w.add(TarEntry::dir("etc"))
              .add(TarEntry::file("../etc/passwd", "root::0:0::/:/bin/sh\n"));
        });
        one("absolute", Compression::Gzip, [](LayerWriter& w) {
          w.add(TarEntry::dir("etc"))
              .add(TarEntry::file("/etc/cron.d/evil", "* * * * * root sh\n"));
        });
        one("many-files", Compression::Gzip,
            [](LayerWriter& w) { w.add_empty_files("m", 1'000'000); });
        one("tampered", Compression::None, [](LayerWriter& w) {
          w.add(TarEntry::dir("etc")).add(TarEntry::file("etc/motd", text_of(64 * 1024, 7)));
        });
        one("good", Compression::Gzip, [](LayerWriter& w) {
          w.add(TarEntry::dir("etc"))
              .add(TarEntry::file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
              .add(TarEntry::dir("usr"))
              .add(TarEntry::dir("usr/bin"))
              .add(TarEntry::file("usr/bin/hello", text_of(4096, 11), 0755));
        });
        // A plain tar cut inside the data of its first file: headers of 512 bytes each.
        const auto whole = make_layer(dir + "/whole.tar", Compression::None, [](LayerWriter& w) {
          w.add(TarEntry::dir("etc")).add(TarEntry::file("etc/motd", text_of(64 * 1024, 9)));
          w.add(TarEntry::file("etc/issue", "Debian GNU/Linux 12\n"));
        });
        write_prefix(whole.path, dir + "/truncated", 2 * 512 + 30000);
        const auto cut =
            describe_blob(dir + "/truncated", "application/vnd.oci.image.layer.v1.tar", "");
        LayerBlob truncated = cut;
        truncated.info.diff_id = cut.info.digest;  // uncompressed: the blob is the tar
        write_oci_layout(tmp, {truncated}, "truncated");
        fs::remove_all(dir);
      });
  HostileImages out;
  out.gzip_bomb = read_oci_layout(layout, "gzip-bomb");
  out.dot_dot = read_oci_layout(layout, "dot-dot");
  out.absolute = read_oci_layout(layout, "absolute");
  out.truncated = read_oci_layout(layout, "truncated");
  out.many_files = read_oci_layout(layout, "many-files");
  out.tampered = read_oci_layout(layout, "tampered");
  out.good = read_oci_layout(layout, "good");
  return out;
}

void push(const BuiltImage& image, const DockerRegistry& registry, const std::string& repo_tag) {
  auto r = skopeo_copy(image.oci_ref(), "docker://" + registry.host_port() + "/" + repo_tag);
  ASSERT_TRUE(r.ok()) << r.describe();
}

void push_exact(const BuiltImage& image, const DockerRegistry& registry, const std::string& repo,
                const std::string& tag) {
  auto upload = [&](const std::string& digest) {
    HttpRequest post{
        .method = "POST", .port = registry.port(), .target = "/v2/" + repo + "/blobs/uploads/"};
    auto started = http_request(post);
    ASSERT_EQ(started.status, 202) << started.body;
    std::string location = started.header("Location");
    location = location.substr(location.find("/v2/"));
    HttpRequest put{.method = "PUT",
                    .port = registry.port(),
                    .target = location + (location.find('?') == std::string::npos ? "?" : "&") +
                              "digest=" + digest,
                    .headers = {{"Content-Type", "application/octet-stream"}},
                    .body = read_file(image.blob_path(digest)),
                    .timeout = std::chrono::seconds(60)};
    auto done = http_request(put);
    ASSERT_EQ(done.status, 201) << digest << ": " << done.body;
  };
  upload(image.config_digest);
  for (const auto& layer : image.layers) upload(layer.digest);
  put_manifest(registry, repo, tag, "application/vnd.oci.image.manifest.v1+json", image.manifest);
}

void put_manifest(const DockerRegistry& registry, const std::string& repo, const std::string& tag,
                  const std::string& media_type, const std::string& body) {
  HttpRequest put{.method = "PUT",
                  .port = registry.port(),
                  .target = "/v2/" + repo + "/manifests/" + tag,
                  .headers = {{"Content-Type", media_type}},
                  .body = body};
  auto res = http_request(put);
  ASSERT_EQ(res.status, 201) << res.body;
  ASSERT_EQ(res.header("Docker-Content-Digest"), "sha256:" + sha256_hex(body));
}

std::string oci_index(const std::vector<std::pair<const BuiltImage*, std::string>>& children) {
  auto manifests = nlohmann::json::array();
  for (const auto& [image, platform] : children) {
    const auto slash = platform.find('/');
    manifests.push_back(
        {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", image->manifest_digest},
         {"size", image->manifest.size()},
         {"platform",
          {{"os", platform.substr(0, slash)}, {"architecture", platform.substr(slash + 1)}}}});
  }
  return nlohmann::json{{"schemaVersion", 2},
                        {"mediaType", "application/vnd.oci.image.index.v1+json"},
                        {"manifests", manifests}}
      .dump();
}

void corrupt_stored_blob(const DockerRegistry& registry, const std::string& digest) {
  const std::string hex = digest.substr(digest.find(':') + 1);
  const std::string path = registry.storage_dir() + "/docker/registry/v2/blobs/sha256/" +
                           hex.substr(0, 2) + "/" + hex + "/data";
  std::string bytes = read_file(path);
  for (size_t i = bytes.size() / 2; i < bytes.size() && i < bytes.size() / 2 + 64; ++i)
    bytes[i] ^= 0x5a;
  write_file(path, bytes);
}

std::vector<AccessLogEntry> settled_access_log(const DockerRegistry& registry) {
  static std::atomic<int> counter{0};
  const std::string marker = "/v2/?settle=" + std::to_string(++counter);
  http_get_status("127.0.0.1", registry.port(), marker);
  auto log = registry.wait_for_access_log([&](const std::vector<AccessLogEntry>& entries) {
    for (const auto& e : entries)
      if (e.uri == marker) return true;
    return false;
  });
  std::erase_if(log, [](const AccessLogEntry& e) { return e.uri.starts_with("/v2/?settle="); });
  return log;
}

size_t blob_gets(const std::vector<AccessLogEntry>& log, const std::string& repo,
                 const std::string& digest) {
  const std::string path = "/v2/" + repo + "/blobs/" + digest;
  return std::count_if(log.begin(), log.end(), [&](const AccessLogEntry& e) {
    return e.method == "GET" && e.path() == path;
  });
}

size_t all_blob_requests(const std::vector<AccessLogEntry>& log) {
  return std::count_if(log.begin(), log.end(), [](const AccessLogEntry& e) {
    return e.path().find("/blobs/") != std::string::npos;
  });
}

}  // namespace portcullis::testing
