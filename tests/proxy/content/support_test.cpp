// The image-building helpers the content tests rely on (tests/support/rootfs.h), without peers:
// the apt mirror lookup, build-once cache entries, deterministic and diff layers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/support/fs.h"
#include "tests/support/process.h"
#include "tests/support/rootfs.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
using ::testing::ElementsAre;
namespace fs = std::filesystem;

TEST(ContentSupport, MirrorFromDeb822SourcesSkipsOtherSuitesAndSourceOnlyStanzas) {
  const std::string text = R"(# comment
Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Enabled: no

Types: deb deb-src
# a comment inside a stanza
URIs: http://mirror.example/debian http://second.example/debian
Suites: bookworm bookworm-updates
Components: main
)";
  EXPECT_EQ(mirror_from_deb822(text, "bookworm"), "http://mirror.example/debian");
  EXPECT_EQ(mirror_from_deb822(text, "bookworm-security"),
            "http://security.example/debian-security");
  EXPECT_EQ(mirror_from_deb822(text, "trixie"), "");
}

TEST(ContentSupport, MirrorFromOneLineSourcesList) {
  const std::string text =
      "# deb http://commented.example/debian bookworm main\n"
      "deb-src http://src.example/debian bookworm main\n"
      "deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm "
      "main\n"
      "deb http://other.example/debian bookworm-updates main\n";
  EXPECT_EQ(mirror_from_sources_list(text, "bookworm"), "http://mirror.example/debian");
  EXPECT_EQ(mirror_from_sources_list(text, "bookworm-updates"), "http://other.example/debian");
  EXPECT_EQ(mirror_from_sources_list(text, "trixie"), "");
}

TEST(ContentSupport, CachedDirectoryIsBuiltOnceByConcurrentCallersAndNotKeptOnFailure) {
  TempDir cache("cache");
  std::atomic<int> builds{0};
  std::vector<std::string> results(4);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        results[i] = cached_directory(cache.path(), "sub/entry", [&](const std::string& tmp) {
          ++builds;
          write_file(tmp + "/done", "yes");
        });
      });
    }
  }
  EXPECT_EQ(builds.load(), 1);
  for (const auto& r : results) EXPECT_EQ(r, cache.path() + "/sub/entry");
  EXPECT_EQ(read_file(cache.path() + "/sub/entry/done"), "yes");

  EXPECT_THROW(cached_directory(cache.path(), "broken",
                                [](const std::string& tmp) {
                                  write_file(tmp + "/half", "x");
                                  throw std::runtime_error("boom");
                                }),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(cache.path() + "/broken"));
  EXPECT_FALSE(fs::exists(cache.path() + "/broken.tmp"));
}

TEST(ContentSupport, DpkgInstalledVersion) {
  TempDir root("root");
  make_dirs(root.path() + "/var/lib/dpkg");
  write_file(root.path() + "/var/lib/dpkg/status",
             "Package: openssh-server\nStatus: deinstall ok config-files\nVersion: 1:9.0\n\n"
             "Package: openssh-client\nStatus: install ok installed\nVersion: 1:9.2p1-2\n");
  EXPECT_EQ(dpkg_installed_version(root.path(), "openssh-client"), "1:9.2p1-2");
  EXPECT_EQ(dpkg_installed_version(root.path(), "openssh-server"), "");  // removed, config kept
}

// `bsdtar -tvf` lines of a layer: "type perms uid gid path[ -> target]", in tar order.
std::vector<std::string> listing(const LayerBlob& blob) {
  auto r = run({"bsdtar", "--numeric-owner", "-tvf", blob.path});
  EXPECT_TRUE(r.ok()) << r.describe();
  std::vector<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string perms, links, uid, gid, size, month, day, time_or_year, path;
    words >> perms >> links >> uid >> gid >> size >> month >> day >> time_or_year;
    std::getline(words, path);
    out.push_back(perms + " " + uid + ":" + gid + path);
  }
  return out;
}

TEST(ContentSupport, DiffLayersWithWhiteoutsOrOpaqueDirectories) {
  TempDir t("trees");
  const std::string lower = t.mkdir("lower"), upper = t.mkdir("upper");
  for (const auto& root : {lower, upper}) {
    make_dirs(root + "/etc/ssh");
    make_dirs(root + "/usr/sbin");
    write_file(root + "/etc/hostname", "same\n");
    write_file(root + "/usr/sbin/nologin", "ELF", 0755);
  }
  write_file(lower + "/etc/ssh/sshd_config", "Port 22\n");
  write_file(lower + "/usr/sbin/sshd", "ELF", 0755);
  write_file(lower + "/etc/passwd", "root:x:0:0\nsshd:x:100:65534\n");
  write_file(upper + "/etc/passwd", "root:x:0:0\n");
  fs::remove(upper + "/etc/ssh");
  write_file(upper + "/etc/motd", "new\n");

  LayerWriter per_path(t.path() + "/per-path", Compression::Gzip);
  per_path.add_tree_diff(lower, upper, WhiteoutStyle::PerPath);
  const auto a = per_path.finish();
  EXPECT_EQ(a.info.media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_THAT(listing(a),
              ElementsAre("-rw-r--r-- 0:0 etc/.wh.ssh", "-rw-r--r-- 0:0 etc/motd",
                          "-rw-r--r-- 0:0 etc/passwd", "-rw-r--r-- 0:0 usr/sbin/.wh.sshd"));

  LayerWriter opaque(t.path() + "/opaque", Compression::Zstd);
  opaque.add_tree_diff(lower, upper, WhiteoutStyle::Opaque);
  const auto b = opaque.finish();
  EXPECT_EQ(b.info.media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
  EXPECT_THAT(listing(b), ElementsAre("drwxr-xr-x 0:0 etc/", "-rw-r--r-- 0:0 etc/.wh..wh..opq",
                                      "-rw-r--r-- 0:0 etc/hostname", "-rw-r--r-- 0:0 etc/motd",
                                      "-rw-r--r-- 0:0 etc/passwd", "drwxr-xr-x 0:0 usr/sbin/",
                                      "-rw-r--r-- 0:0 usr/sbin/.wh..wh..opq",
                                      "-rwxr-xr-x 0:0 usr/sbin/nologin"));

  // Deterministic: the same trees give the same blob.
  LayerWriter again(t.path() + "/again", Compression::Gzip);
  again.add_tree_diff(lower, upper, WhiteoutStyle::PerPath);
  EXPECT_EQ(again.finish().info.digest, a.info.digest);
  EXPECT_EQ(sha256_file(a.path), a.info.digest);
}

}  // namespace
}  // namespace portcullis::testing
