// Hostile layers: each is denied with a reason that names the layer and the
// rule, quickly and without holding the layer in memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "layer_builder.h"
#include "recording_visitor.h"
#include "scanner-adapters/image_inspector.h"
#include "scanner-adapters/layer_reader.h"

namespace portcullis::scanner {
namespace {

using testing::describe;
using ::testing::MatchesRegex;
using testing::RecordingVisitor;

// Inspects `blob` (described as itself, so only the content is at fault).
std::string error_of(std::string_view blob, Compression c = Compression::Gzip,
                     const Limits& limits = {}) {
  return testing::inspect_error(blob, describe(blob, c), limits);
}

std::string layer_of(std::string_view blob) { return "layer " + testing::sha256_digest(blob); }

TEST(Adversarial, GzipBombIsStoppedByTheRatioLimit) {
  // 1 GiB of zeros: about 1 MB of gzip, never decompressed in full.
  std::string bomb = testing::gzip_bomb(1ull << 30);
  ASSERT_LT(bomb.size(), 4u << 20);
  auto start = std::chrono::steady_clock::now();
  std::string err = error_of(bomb);
  // Deflate tops out near 1032:1; the figure depends on the encoder (976:1
  // with Debian 12's ISA-L).
  EXPECT_THAT(err, MatchesRegex(layer_of(bomb) +
                                " exceeds the decompression ratio limit \\(ratio 9[0-9][0-9]:1 > "
                                "100:1\\)"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Adversarial, ZstdBombIsStoppedByTheRatioLimit) {
  std::string zeros(48u << 20, '\0');  // the limit bites after 16 MiB
  std::string tar = testing::plain_tar({testing::file("zeros", zeros)});
  zeros.clear();
  std::string bomb = testing::zstd_with_window(tar, 20);
  tar.clear();
  EXPECT_THAT(error_of(bomb, Compression::Zstd),
              MatchesRegex("layer sha256:[0-9a-f]{64} exceeds the decompression ratio limit "
                           "\\(ratio [0-9]+:1 > 100:1\\)"));
}

TEST(Adversarial, DotDotPathIsDenied) {
  std::string blob = testing::build_layer({testing::file("../etc/passwd", "root::0:0::/:/bin/sh")});
  EXPECT_EQ(
      error_of(blob),
      layer_of(blob) + ": tar entry \"../etc/passwd\" escapes the image root (\"..\" component)");
  std::string inner = testing::build_layer({testing::file("usr/../../etc/passwd", "x")});
  EXPECT_EQ(error_of(inner), layer_of(inner) +
                                 ": tar entry \"usr/../../etc/passwd\" escapes the image root "
                                 "(\"..\" component)");
}

TEST(Adversarial, HardlinkOutOfTheRootIsDenied) {
  std::string blob = testing::build_layer({testing::hardlink("etc/shadow", "../../etc/shadow")});
  EXPECT_EQ(error_of(blob), layer_of(blob) +
                                ": tar hardlink target \"../../etc/shadow\" escapes the image "
                                "root (\"..\" component)");
}

TEST(Adversarial, AbsolutePathIsDeniedByDefault) {
  std::string blob = testing::build_layer({testing::file("/etc/cron.d/evil", "* * * * * root x")});
  EXPECT_EQ(error_of(blob),
            layer_of(blob) + ": tar entry \"/etc/cron.d/evil\" is an absolute path");
}

TEST(Adversarial, AbsolutePathCanBeReadAsRootRelative) {
  std::string blob = testing::build_layer({testing::file("/usr/sbin/sshd", "ELF")});
  Limits limits;
  limits.absolute_paths_relative_to_root = true;
  ImageInspector inspector(limits);
  MemorySource src(std::as_bytes(std::span(blob)));
  ASSERT_TRUE(inspector.add_layer(src, describe(blob)));
  auto facts = inspector.finish();
  ASSERT_TRUE(facts);
  ASSERT_EQ(facts->files.size(), 1u);
  EXPECT_EQ(facts->files[0].path, "/usr/sbin/sshd");
  ASSERT_EQ(facts->findings.size(), 1u);
  EXPECT_EQ(facts->findings[0].path, "/usr/sbin/sshd");
}

TEST(Adversarial, TarWithTraversalAndAbsolutePathsDeniesTheImage) {
  // The issue's case: one layer with both; the first offending entry names it.
  std::string blob = testing::build_layer({testing::dir("etc/"), testing::file("/etc/passwd", "x"),
                                           testing::file("../../root/.ssh/authorized_keys", "k")});
  ImageInspector inspector;
  MemorySource src(std::as_bytes(std::span(blob)));
  auto added = inspector.add_layer(src, describe(blob));
  ASSERT_FALSE(added);
  std::string expected = layer_of(blob) + ": tar entry \"/etc/passwd\" is an absolute path";
  EXPECT_EQ(added.error().message, expected);
  auto facts = inspector.finish();
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().message, expected);
}

TEST(Adversarial, TruncatedTarIsMalformed) {
  std::string tar = testing::plain_tar(
      {testing::file("a", std::string(4096, 'a')), testing::file("b", std::string(4096, 'b'))});
  std::string cut = tar.substr(0, 3000);  // inside a's data
  EXPECT_EQ(error_of(cut, Compression::None),
            layer_of(cut) +
                ": malformed tar: Truncated input file (needed 4096 bytes, only 2488 available)");
}

TEST(Adversarial, TruncatedGzipIsMalformed) {
  std::string blob = testing::build_layer({testing::file("a", std::string(100000, 'a'))});
  std::string cut = blob.substr(0, blob.size() / 2);
  EXPECT_EQ(error_of(cut), layer_of(cut) + ": malformed gzip stream: truncated");
  // Cut inside the 8-byte trailer: the data is all there, the CRC is not.
  std::string no_trailer = blob.substr(0, blob.size() - 3);
  EXPECT_EQ(error_of(no_trailer), layer_of(no_trailer) + ": malformed gzip stream: truncated");
}

TEST(Adversarial, TruncatedZstdIsMalformed) {
  std::string blob =
      testing::build_layer({testing::file("a", std::string(100000, 'a'))}, Compression::Zstd);
  std::string cut = blob.substr(0, blob.size() - 5);
  EXPECT_EQ(error_of(cut, Compression::Zstd), layer_of(cut) + ": malformed zstd stream: truncated");
}

TEST(Adversarial, CorruptGzipIsMalformed) {
  std::string blob = testing::build_layer({testing::file("a", "hello world, hello world")});
  std::string bad = blob;
  bad[bad.size() - 6] ^= 0x55;  // inside the CRC32
  EXPECT_EQ(error_of(bad), layer_of(bad) + ": malformed gzip stream: CRC mismatch");
  std::string garbage_after = blob + "GARBAGE";
  EXPECT_EQ(error_of(garbage_after),
            layer_of(garbage_after) + ": malformed gzip stream: trailing garbage");
  std::string garbage_after_zeros = blob + std::string(100, '\0') + "X";
  EXPECT_EQ(error_of(garbage_after_zeros),
            layer_of(garbage_after_zeros) + ": malformed gzip stream: trailing garbage");
}

TEST(Adversarial, ZeroPaddingAfterGzipIsAccepted) {
  // libarchive (and tape-blocking tools) pad the compressed stream to 10 KiB.
  std::string blob = testing::build_layer({testing::file("a", "hello")}) + std::string(9000, '\0');
  EXPECT_EQ(error_of(blob), "no error");
}

TEST(Adversarial, CorruptZstdIsMalformed) {
  std::string blob =
      testing::build_layer({testing::file("a", std::string(5000, 'z'))}, Compression::Zstd);
  std::string bad = blob;
  for (size_t i = 8; i < bad.size() - 4; ++i) bad[i] ^= 0x5a;
  EXPECT_THAT(error_of(bad, Compression::Zstd),
              MatchesRegex("layer sha256:[0-9a-f]{64}: malformed zstd stream: .+"));
}

TEST(Adversarial, ZstdWindowBeyondTheLimitIsRefused) {
  std::string tar = testing::plain_tar({testing::file("a", "tiny")});
  std::string blob = testing::zstd_with_window(tar, 27);
  EXPECT_EQ(
      error_of(blob, Compression::Zstd),
      layer_of(blob) + " exceeds the zstd window limit (frame window larger than 2^26 bytes)");
  Limits roomy;
  roomy.max_zstd_window_log = 27;
  EXPECT_EQ(error_of(blob, Compression::Zstd, roomy), "no error");
}

TEST(Adversarial, GarbageBytesAreNotATar) {
  std::string garbage;
  for (int i = 0; i < 10000; ++i) garbage += static_cast<char>((i * 7919) % 251);
  EXPECT_EQ(error_of(garbage, Compression::None),
            layer_of(garbage) + ": malformed tar: Unrecognized archive format");
  std::string gz_garbage = "\x1f\x8b" + garbage;
  EXPECT_EQ(error_of(gz_garbage),
            layer_of(gz_garbage) + ": malformed gzip stream: unsupported compression method");
}

TEST(Adversarial, EmptyBlobIsNotALayer) {
  EXPECT_EQ(error_of("", Compression::Gzip),
            layer_of("") + ": malformed tar: Unrecognized archive format");
}

TEST(Adversarial, MillionEmptyFilesHitTheEntryLimitQuickly) {
  testing::ManyFilesTar src(1'000'000);
  RecordingVisitor visitor;
  LayerDescriptor layer{"application/vnd.oci.image.layer.v1.tar", testing::sha256_digest("n/a"),
                        std::nullopt};
  auto start = std::chrono::steady_clock::now();
  auto stats = inspect_layer(src, layer, Limits{}, visitor);
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message,
            "layer " + layer.digest + " exceeds the entry limit (more than 300000 entries)");
  EXPECT_EQ(visitor.entries.size(), 300'000u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Adversarial, MillionEmptyFilesThroughTheImageInspector) {
  // The merged view keeps every path: the entry limit also bounds memory.
  testing::ManyFilesTar src(1'000'000);
  LayerDescriptor layer{"", testing::sha256_digest("n/a"), std::nullopt};
  ImageInspector inspector;
  auto added = inspector.add_layer(src, layer);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().message,
            "layer " + layer.digest + " exceeds the entry limit (more than 300000 entries)");
}

TEST(Adversarial, EntriesAcrossLayersHitTheImageLimit) {
  std::vector<testing::Item> items;
  for (int i = 0; i < 600; ++i) items.push_back(testing::file("f" + std::to_string(i)));
  std::string blob = testing::build_layer(items);
  Limits limits;
  limits.max_entries_per_image = 1000;
  ImageInspector inspector(limits);
  MemorySource first(std::as_bytes(std::span(blob)));
  ASSERT_TRUE(inspector.add_layer(first, describe(blob)));
  MemorySource second(std::as_bytes(std::span(blob)));
  auto added = inspector.add_layer(second, describe(blob));
  ASSERT_FALSE(added);
  EXPECT_EQ(
      added.error().message,
      layer_of(blob) +
          " exceeds the image entry limit (more than 1000 entries across the image's layers)");
}

TEST(Adversarial, OverlongPathHitsThePathLimit) {
  std::string blob = testing::build_layer({testing::file(std::string(5000, 'p'))});
  EXPECT_EQ(error_of(blob),
            layer_of(blob) + " exceeds the path length limit (entry of 5000 bytes > 4096 bytes)");
}

TEST(Adversarial, HugePaxHeaderIsRefusedByLibarchive) {
  // libarchive caps pax/GNU special headers at 1 MiB before our path limit.
  std::string blob = testing::build_layer({testing::file(std::string(2 << 20, 'p'))});
  EXPECT_EQ(error_of(blob), layer_of(blob) + ": malformed tar: Special header too large");
}

TEST(Adversarial, UncompressedAndCompressedSizeLimits) {
  std::string blob = testing::build_layer({testing::file("big", std::string(3 << 20, 'x'))});
  Limits small;
  small.max_uncompressed_bytes = 1 << 20;
  small.max_decompression_ratio = 1'000'000;
  EXPECT_EQ(error_of(blob, Compression::Gzip, small),
            layer_of(blob) + " exceeds the uncompressed size limit (more than 1048576 bytes)");
  Limits tiny;
  tiny.max_compressed_bytes = 1000;
  EXPECT_EQ(error_of(blob, Compression::Gzip, tiny),
            layer_of(blob) + " exceeds the compressed size limit (" + std::to_string(blob.size()) +
                " bytes > 1000 bytes)");
  // Without a size in the descriptor the stream itself is cut off.
  MemorySource src(std::as_bytes(std::span(blob)));
  RecordingVisitor visitor;
  LayerDescriptor unsized = describe(blob);
  unsized.size.reset();
  auto stats = inspect_layer(src, unsized, tiny, visitor);
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message,
            layer_of(blob) + " exceeds the compressed size limit (more than 1000 bytes)");
}

TEST(Adversarial, OversizedPackageDatabaseHitsTheMetadataLimit) {
  std::string blob =
      testing::build_layer({testing::file("var/lib/dpkg/status", std::string(5000, 'x'))});
  Limits limits;
  limits.max_metadata_file_bytes = 4096;
  ImageInspector inspector(limits);
  MemorySource src(std::as_bytes(std::span(blob)));
  auto added = inspector.add_layer(src, describe(blob));
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().message,
            layer_of(blob) +
                " exceeds the metadata file size limit (/var/lib/dpkg/status is 5000 bytes > 4096 "
                "bytes)");
}

}  // namespace
}  // namespace portcullis::scanner
