// OciLayoutBuilder, checked with independent tools (sha256sum, gzip, zstd, tar).
#include "tests/support/image.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/fs.h"
#include "tests/support/process.h"

namespace portcullis::testsupport {
namespace {

std::string sha256_of(const std::string& cmd) {
  RunResult r = run({"sh", "-c", cmd + " | sha256sum"});
  EXPECT_TRUE(r.ok()) << r.describe();
  return "sha256:" + r.out.substr(0, 64);
}

TEST(OciLayoutBuilder, RandomLayersHaveCorrectDigestsAndDiffIds) {
  TempDir dir;
  BuiltImage img = build_random_image(dir / "layout", {1000, 70000, 3 << 20}, "v1");
  ASSERT_EQ(img.layers.size(), 3u);
  EXPECT_EQ(img.oci_ref(), "oci:" + dir / "layout" + ":v1");
  for (const auto& l : img.layers) {
    std::string path = img.blob_path(l.digest);
    EXPECT_EQ(sha256_of("cat " + path), l.digest);
    EXPECT_EQ(sha256_of("gzip -dc " + path), l.diff_id);
    EXPECT_EQ(std::filesystem::file_size(path), l.size);
    EXPECT_EQ(l.media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
  }
  // Random data does not compress.
  EXPECT_GT(img.layers[2].size, 3u << 20);
  EXPECT_EQ(sha256_of("cat " + img.blob_path(img.manifest_digest)), img.manifest_digest);
  auto manifest = nlohmann::json::parse(img.manifest);
  EXPECT_EQ(manifest["config"]["digest"], img.config_digest);
  auto config = nlohmann::json::parse(img.config);
  EXPECT_EQ(config["rootfs"]["diff_ids"][1], img.layers[1].diff_id);
  EXPECT_EQ(config["architecture"], "amd64");
  auto index = nlohmann::json::parse(read_file(dir / "layout/index.json"));
  EXPECT_EQ(index["manifests"][0]["digest"], img.manifest_digest);
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "v1");
  RunResult list = run({"tar", "-tzf", img.blob_path(img.layers[1].digest)});
  EXPECT_EQ(list.out, "random-1.bin\n");
}

TEST(OciLayoutBuilder, FixedSeedIsReproducible) {
  TempDir a, b;
  auto one = build_random_image(a.path(), {5000, 6000}, "t", {.seed = 42});
  auto two = build_random_image(b.path(), {5000, 6000}, "t", {.seed = 42});
  EXPECT_EQ(one.manifest_digest, two.manifest_digest);
  auto three = build_random_image(b.path(), {5000, 6000}, "t");
  EXPECT_NE(one.manifest_digest, three.manifest_digest);
}

TEST(OciLayoutBuilder, EntriesKeepModesAndLinks) {
  TempDir dir;
  OciLayoutBuilder b(dir.path());
  b.add_layer({TarEntry::dir("usr/bin"), TarEntry::file("usr/bin/su", "x", 04755),
               TarEntry::symlink("bin", "usr/bin"), TarEntry::hardlink("usr/bin/su2", "usr/bin/su"),
               TarEntry::file("etc/.wh.shadow", "")});
  BuiltImage img = b.build();
  RunResult r = run({"tar", "-tvzf", img.blob_path(img.layers[0].digest)});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_NE(r.out.find("-rwsr-xr-x 0/0               1 1970-01-01 00:00 usr/bin/su\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("bin -> usr/bin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("usr/bin/su2 link to usr/bin/su"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("etc/.wh.shadow"), std::string::npos) << r.out;
}

TEST(OciLayoutBuilder, LayerFromDirectoryAndZstd) {
  TempDir src, dir;
  write_file(src.mkdir("etc") + "/os-release", "ID=test\n");
  write_file(src.mkdir("usr/sbin") + "/sshd", "binary", 0755);
  std::filesystem::create_symlink("../usr/sbin/sshd", src / "etc/sshd-link");
  std::filesystem::create_hard_link(src / "usr/sbin/sshd", src / "usr/sbin/sshd-hard");
  OciLayoutBuilder b(dir.path(), {.compression = Compression::Zstd});
  BuiltImage img = b.add_layer_from_directory(src.path()).build("rootfs");
  const auto& l = img.layers[0];
  EXPECT_EQ(l.media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
  EXPECT_EQ(sha256_of("zstd -dc " + img.blob_path(l.digest)), l.diff_id);
  RunResult r = run({"sh", "-c", "zstd -dc " + img.blob_path(l.digest) + " | tar -tv"});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_NE(r.out.find("etc/os-release"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-rwxr-xr-x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("etc/sshd-link -> ../usr/sbin/sshd"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("usr/sbin/sshd-hard link to usr/sbin/sshd"), std::string::npos) << r.out;
}

TEST(OciLayoutBuilder, SeveralTagsInOneLayout) {
  TempDir dir;
  OciLayoutBuilder b(dir.path());
  auto first = b.add_random_layer(100).build("one");
  auto second = b.add_random_layer(100).build("two");
  EXPECT_EQ(second.layers.size(), 2u);
  auto index = nlohmann::json::parse(read_file(dir / "index.json"));
  ASSERT_EQ(index["manifests"].size(), 2u);
  EXPECT_EQ(index["manifests"][0]["digest"], first.manifest_digest);
  EXPECT_EQ(index["manifests"][1]["digest"], second.manifest_digest);
}

}  // namespace
}  // namespace portcullis::testsupport
