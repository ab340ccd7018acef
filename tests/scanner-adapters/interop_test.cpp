// Layers written by the test harness's OCI layout builder (an independent
// writer: ISA-L gzip, zstd, plain) read back through ImageInspector with the
// layout's own digests. With PORTCULLIS_DEBOOTSTRAP_ROOTFS set to a
// `debootstrap --variant=minbase --include=openssh-server bookworm` tree, the
// real Debian rootfs is checked too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "image_helpers.h"
#include "scanner-adapters/package_db.h"
#include "tests/support/fs.h"
#include "tests/support/image.h"

namespace portcullis::scanner {
namespace {

namespace ts = portcullis::testsupport;
using ::testing::ElementsAre;

Result<policy::ContentFacts> inspect_layout(const ts::BuiltImage& image) {
  ImageInspector inspector;
  for (const auto& layer : image.layers) {
    std::string blob = ts::read_file(image.blob_path(layer.digest));
    MemorySource src(std::as_bytes(std::span(blob)));
    auto added = inspector.add_layer(src, {layer.media_type, layer.digest, layer.size});
    if (!added) return added.error();
  }
  return inspector.finish();
}

class HarnessLayers : public ::testing::TestWithParam<ts::Compression> {};

TEST_P(HarnessLayers, TreeFromDiskReadsBackExactly) {
  ts::TempDir tmp("scanner-interop");
  std::string root = tmp.mkdir("root");
  ts::make_dirs(root + "/usr/sbin");
  ts::write_file(root + "/usr/sbin/sshd", "ELF sshd", 0755);
  ts::write_file(root + "/usr/bin-passwd", "ELF", 0755);
  ASSERT_EQ(::chmod((root + "/usr/bin-passwd").c_str(), 04755), 0);
  ASSERT_EQ(::link((root + "/usr/sbin/sshd").c_str(), (root + "/usr/sbin/in.sshd").c_str()), 0);
  ASSERT_EQ(::symlink("usr/sbin", (root + "/sbin").c_str()), 0);

  ts::OciLayoutOptions options;
  options.compression = GetParam();
  ts::OciLayoutBuilder builder(tmp.mkdir("layout"), options);
  builder.add_layer({ts::TarEntry::file("etc/motd", "hello")});
  builder.add_layer_from_directory(root);
  builder.add_layer({ts::TarEntry::file("etc/.wh.motd", "")});
  auto facts = inspect_layout(builder.build());
  ASSERT_TRUE(facts) << facts.error().message;

  std::vector<std::string> rows;
  for (const auto& f : facts->files) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%o", f.mode);
    rows.push_back(f.path + " " + static_cast<char>(f.type) + " " + mode + " " +
                   std::to_string(f.size) + (f.link_target.empty() ? "" : " " + f.link_target));
  }
  // The writer walks the tree in sorted order: in.sshd is stored first, so
  // sshd is the hardlink. /etc went with its only file (no directory entry).
  EXPECT_THAT(rows,
              ElementsAre("/sbin l 777 0 usr/sbin", "/usr d 755 0", "/usr/bin-passwd f 4755 3",
                          "/usr/sbin d 755 0", "/usr/sbin/in.sshd f 755 8",
                          "/usr/sbin/sshd h 755 8 /usr/sbin/in.sshd"));
  EXPECT_THAT(
      testing::findings(*facts),
      ElementsAre("/usr/sbin/in.sshd (hardlink of /usr/sbin/sshd)", "/usr/sbin/sshd (unpackaged)"));
}

INSTANTIATE_TEST_SUITE_P(Compressions, HarnessLayers,
                         ::testing::Values(ts::Compression::Gzip, ts::Compression::Zstd,
                                           ts::Compression::None));

TEST(DebootstrapRootfs, SshdIsFoundWithItsPackage) {
  const char* rootfs = std::getenv("PORTCULLIS_DEBOOTSTRAP_ROOTFS");
  if (rootfs == nullptr) GTEST_SKIP() << "PORTCULLIS_DEBOOTSTRAP_ROOTFS not set";
  // The expected version, read independently of the scanner's own parser.
  std::string status = ts::read_file(std::string(rootfs) + "/var/lib/dpkg/status");
  size_t at = status.find("Package: openssh-server\n");
  ASSERT_NE(at, std::string::npos);
  size_t v = status.find("\nVersion: ", at) + 10;
  std::string version = status.substr(v, status.find('\n', v) - v);

  ts::TempDir tmp("scanner-debootstrap");
  ts::OciLayoutBuilder builder(tmp.mkdir("layout"));
  builder.add_layer_from_directory(rootfs);
  auto facts = inspect_layout(builder.build());
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(testing::findings(*facts),
              ElementsAre("/usr/sbin/sshd (openssh-server " + version + ")"));
  EXPECT_EQ(facts->os_release["ID"], "debian");
  EXPECT_EQ(facts->os_release["VERSION_ID"], "12");
  size_t on_disk = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(rootfs);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    ++on_disk;
  }
  EXPECT_EQ(facts->files.size(), on_disk);
  size_t dpkg_packages = 0;
  for (size_t p = 0; (p = status.find("Status: install ok installed", p)) != std::string::npos;
       ++p) {
    ++dpkg_packages;
  }
  EXPECT_EQ(facts->packages.size(), dpkg_packages);
}

}  // namespace
}  // namespace portcullis::scanner
