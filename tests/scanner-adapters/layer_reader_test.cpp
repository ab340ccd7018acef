// The layer reader on well-formed layers: every compression, digest and
// size checks, buffer boundaries, media types.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "layer_builder.h"
#include "recording_visitor.h"
#include "scanner-adapters/layer_reader.h"

namespace portcullis::scanner {
namespace {

using policy::FileType;
using testing::describe;
using testing::RecordingVisitor;

const std::vector<testing::Item> kItems = {
    testing::dir("usr/"),
    testing::dir("usr/sbin/"),
    testing::file("usr/sbin/sshd", "ELF sshd", 04755),
    testing::hardlink("usr/sbin/sshd-copy", "usr/sbin/sshd"),
    testing::symlink("usr/sbin/ssh-server", "sshd"),
    testing::file("./etc/os-release", "ID=debian\n"),
};

const std::vector<TarEntry> kExpected = {
    {"/usr", FileType::Directory, 0755, 0, ""},
    {"/usr/sbin", FileType::Directory, 0755, 0, ""},
    {"/usr/sbin/sshd", FileType::Regular, 04755, 8, ""},
    {"/usr/sbin/sshd-copy", FileType::Hardlink, 0755, 0, "/usr/sbin/sshd"},
    {"/usr/sbin/ssh-server", FileType::Symlink, 0777, 0, "sshd"},
    {"/etc/os-release", FileType::Regular, 0644, 10, ""},
};

class EveryCompression : public ::testing::TestWithParam<Compression> {};

TEST_P(EveryCompression, EntriesReachTheVisitorWithContentOnRequest) {
  std::string blob = testing::build_layer(kItems, GetParam());
  MemorySource src(std::as_bytes(std::span(blob)));
  RecordingVisitor visitor({"/etc/os-release"});
  auto stats = inspect_layer(src, describe(blob, GetParam()), Limits{}, visitor);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->compression, GetParam());
  EXPECT_EQ(stats->entries, 6u);
  EXPECT_EQ(stats->compressed_bytes, blob.size());
  EXPECT_EQ(visitor.entries, kExpected);
  EXPECT_EQ(visitor.contents,
            (std::map<std::string, std::string>{{"/etc/os-release", "ID=debian\n"}}));
}

TEST_P(EveryCompression, TinyReadsAcrossEveryBufferBoundary) {
  std::string blob = testing::build_layer(kItems, GetParam());
  testing::ChunkedSource src(blob, 7);
  RecordingVisitor visitor({"/etc/os-release"});
  auto stats = inspect_layer(src, describe(blob, GetParam()), Limits{}, visitor);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(visitor.entries, kExpected);
  EXPECT_EQ(visitor.contents["/etc/os-release"], "ID=debian\n");
}

TEST_P(EveryCompression, DigestMismatchIsReportedAfterTheStream) {
  std::string blob = testing::build_layer(kItems, GetParam());
  LayerDescriptor layer = describe(blob, GetParam());
  std::string actual = layer.digest;
  layer.digest = testing::sha256_digest("something else");
  EXPECT_EQ(testing::inspect_error(blob, layer),
            "layer " + layer.digest + ": digest mismatch (content is " + actual + ")");
}

INSTANTIATE_TEST_SUITE_P(Layers, EveryCompression,
                         ::testing::Values(Compression::Gzip, Compression::Zstd, Compression::None),
                         [](const auto& info) {
                           switch (info.param) {
                             case Compression::Gzip:
                               return std::string("Gzip");
                             case Compression::Zstd:
                               return std::string("Zstd");
                             default:
                               return std::string("Tar");
                           }
                         });

TEST(LayerReader, MislabelledCompressionFollowsTheMagicBytes) {
  // Docker labels plain tars "tar.gzip" at times; a zstd blob may say gzip.
  for (auto [actual, declared] : {std::pair{Compression::None, Compression::Gzip},
                                  std::pair{Compression::Zstd, Compression::Gzip},
                                  std::pair{Compression::Gzip, Compression::None}}) {
    std::string blob = testing::build_layer(kItems, actual);
    LayerDescriptor layer = describe(blob, declared);
    MemorySource src(std::as_bytes(std::span(blob)));
    RecordingVisitor visitor;
    auto stats = inspect_layer(src, layer, Limits{}, visitor);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->compression, actual);
    EXPECT_EQ(visitor.entries, kExpected);
  }
}

TEST(LayerReader, ConcatenatedGzipMembersAreOneStream) {
  std::string tar = testing::plain_tar(kItems);
  // Split inside the first file's header: members need not align to entries.
  std::string blob = testing::gzip(tar.substr(0, 1500)) + testing::gzip(tar.substr(1500));
  MemorySource src(std::as_bytes(std::span(blob)));
  RecordingVisitor visitor;
  auto stats = inspect_layer(src, describe(blob), Limits{}, visitor);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(visitor.entries, kExpected);
  EXPECT_EQ(stats->uncompressed_bytes, tar.size());
}

TEST(LayerReader, DockerAndNonDistributableMediaTypesAreLayers) {
  EXPECT_EQ(
      compression_from_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip").value(),
      Compression::Gzip);
  EXPECT_EQ(
      compression_from_media_type("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")
          .value(),
      Compression::Zstd);
  EXPECT_EQ(compression_from_media_type("application/vnd.oci.image.layer.v1.tar").value(),
            Compression::None);
}

TEST(LayerReader, NonLayerMediaTypeIsRefused) {
  std::string blob = testing::build_layer(kItems);
  LayerDescriptor layer = describe(blob);
  layer.media_type = "application/vnd.oci.image.config.v1+json";
  EXPECT_EQ(testing::inspect_error(blob, layer),
            "layer " + layer.digest +
                ": unsupported layer media type \"application/vnd.oci.image.config.v1+json\"");
}

TEST(LayerReader, SizeMismatchEitherWay) {
  std::string blob = testing::build_layer(kItems);
  const std::string n = std::to_string(blob.size());
  {
    LayerDescriptor layer = describe(blob);
    layer.size = blob.size() + 1;
    EXPECT_EQ(testing::inspect_error(blob, layer),
              "layer " + layer.digest + ": size mismatch (blob has " + n +
                  " bytes, the descriptor says " + std::to_string(blob.size() + 1) + ")");
  }
  {
    LayerDescriptor layer = describe(blob);
    layer.size = 100;
    EXPECT_EQ(testing::inspect_error(blob, layer),
              "layer " + layer.digest +
                  ": size mismatch (blob is larger than the descriptor's 100 bytes)");
  }
}

TEST(LayerReader, MalformedDigestIsRefusedBeforeReading) {
  std::string blob = testing::build_layer(kItems);
  LayerDescriptor layer = describe(blob);
  layer.digest = "sha256:NOTHEX";
  EXPECT_EQ(testing::inspect_error(blob, layer),
            "layer sha256:NOTHEX: unsupported or malformed digest");
}

class FailingSource final : public ByteSource {
 public:
  explicit FailingSource(std::string_view head) : head_(head) {}
  Result<size_t> read(std::span<std::byte> out) override {
    if (!head_.empty()) {
      size_t n = std::min(out.size(), head_.size());
      std::memcpy(out.data(), head_.data(), n);
      head_.remove_prefix(n);
      return n;
    }
    return make_error("upstream connection reset");
  }

 private:
  std::string_view head_;
};

TEST(LayerReader, ByteSourceErrorsNameTheLayer) {
  std::string blob = testing::build_layer(kItems);
  FailingSource src(std::string_view(blob).substr(0, 40));
  RecordingVisitor visitor;
  LayerDescriptor layer = describe(blob);
  auto stats = inspect_layer(src, layer, Limits{}, visitor);
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message,
            "layer " + layer.digest + ": reading the blob failed: upstream connection reset");
}

}  // namespace
}  // namespace portcullis::scanner
