// The merged view: whiteouts, opaque directories, links and parent symlinks,
// as a container would see the image.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image_helpers.h"
#include "scanner-adapters/merged_fs.h"

namespace portcullis::scanner {
namespace {

using testing::dir;
using ::testing::ElementsAre;
using testing::file;
using testing::findings;
using testing::hardlink;
using testing::inspect_image;
using testing::paths;
using testing::symlink;

const testing::Layer kBase = {dir("usr/"), dir("usr/sbin/"), file("usr/sbin/sshd", "ELF", 0755),
                              file("usr/sbin/nologin", "ELF", 0755)};

TEST(MergedView, SshdInOneLayerIsFound) {
  auto facts = inspect_image({kBase});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(findings(*facts), ElementsAre("/usr/sbin/sshd (unpackaged)"));
  EXPECT_EQ(facts->findings[0].detector, "sshServer");
}

TEST(MergedView, WhiteoutInALaterLayerRemovesSshd) {
  auto facts = inspect_image({kBase, {file("usr/sbin/.wh.sshd")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(paths(*facts), ElementsAre("/usr", "/usr/sbin", "/usr/sbin/nologin"));
  EXPECT_TRUE(facts->findings.empty());
}

TEST(MergedView, WhiteoutOfADirectoryRemovesItsSubtree) {
  auto facts = inspect_image({kBase, {file("usr/.wh.sbin")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(paths(*facts), ElementsAre("/usr"));
}

TEST(MergedView, OpaqueDirectoryHidesLowerLayers) {
  // The marker may come before or after the layer's own entries.
  for (bool marker_first : {true, false}) {
    testing::Layer upper = {dir("usr/sbin/"), file("usr/sbin/halt", "ELF", 0755)};
    upper.insert(marker_first ? upper.begin() + 1 : upper.end(), file("usr/sbin/.wh..wh..opq"));
    auto facts = inspect_image({kBase, upper});
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_THAT(paths(*facts), ElementsAre("/usr", "/usr/sbin", "/usr/sbin/halt"));
    EXPECT_TRUE(facts->findings.empty());
  }
}

TEST(MergedView, WhiteoutOnlyAppliesToLowerLayers) {
  auto facts = inspect_image({{file("usr/sbin/sshd", "ELF", 0755), file("usr/sbin/.wh.sshd")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(paths(*facts), ElementsAre("/usr/sbin/sshd"));
}

TEST(MergedView, FileReplacedByLaterLayerTakesItsAttributes) {
  auto facts = inspect_image({kBase, {file("usr/sbin/nologin", "setuid now", 04755)}});
  ASSERT_TRUE(facts) << facts.error().message;
  const auto& f = facts->files[2];
  EXPECT_EQ(f.path, "/usr/sbin/nologin");
  EXPECT_EQ(f.mode, 04755u);
  EXPECT_EQ(f.size, 10u);
}

TEST(MergedView, DirectoryReplacedByFileLosesItsChildren) {
  auto facts = inspect_image({kBase, {file("usr/sbin", "not a dir")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(paths(*facts), ElementsAre("/usr", "/usr/sbin"));
  EXPECT_EQ(facts->files[1].type, policy::FileType::Regular);
}

TEST(MergedView, HardlinkToSshdIsFoundEvenAfterTheNameIsDeleted) {
  testing::Layer hidden = kBase;
  hidden.push_back(dir("usr/local/"));
  hidden.push_back(dir("usr/local/bin/"));
  hidden.push_back(hardlink("usr/local/bin/foo", "usr/sbin/sshd"));
  auto both = inspect_image({hidden});
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_THAT(findings(*both), ElementsAre("/usr/local/bin/foo (hardlink of /usr/sbin/sshd)",
                                           "/usr/sbin/sshd (unpackaged)"));
  const auto& link = both->files[3];
  EXPECT_EQ(link.path, "/usr/local/bin/foo");
  EXPECT_EQ(link.type, policy::FileType::Hardlink);
  EXPECT_EQ(link.link_target, "/usr/sbin/sshd");
  EXPECT_EQ(link.mode, 0755u);
  EXPECT_EQ(link.size, 3u);

  auto after_delete = inspect_image({hidden, {file("usr/sbin/.wh.sshd")}});
  ASSERT_TRUE(after_delete) << after_delete.error().message;
  EXPECT_THAT(findings(*after_delete),
              ElementsAre("/usr/local/bin/foo (hardlink of /usr/sbin/sshd)"));
}

TEST(MergedView, SymlinksToSshdAreFoundAndResolvedInsideTheRoot) {
  auto facts = inspect_image(
      {kBase,
       {dir("opt/"), symlink("opt/abs", "/usr/sbin/sshd"), symlink("opt/rel", "../usr/sbin/sshd"),
        symlink("opt/chain", "abs"), symlink("opt/escape", "../../../../../usr/sbin/sshd"),
        symlink("opt/other", "/usr/sbin/nologin")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(findings(*facts), ElementsAre("/opt/abs (symlink to /usr/sbin/sshd, unpackaged)",
                                            "/opt/chain (symlink to /usr/sbin/sshd, unpackaged)",
                                            "/opt/escape (symlink to /usr/sbin/sshd, unpackaged)",
                                            "/opt/rel (symlink to /usr/sbin/sshd, unpackaged)",
                                            "/usr/sbin/sshd (unpackaged)"));
}

TEST(MergedView, FileHardlinkedFromAnSshdNameIsFoundWhicheverIsStoredFirst) {
  // The tar stores /usr/bin/foo as the file and sshd as the link to it.
  auto facts = inspect_image({{dir("usr/bin/"), file("usr/bin/foo", "ELF", 0755), dir("usr/sbin/"),
                               hardlink("usr/sbin/sshd", "usr/bin/foo")},
                              {file("usr/sbin/.wh.sshd")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(findings(*facts), ElementsAre("/usr/bin/foo (hardlink of /usr/sbin/sshd)"));
}

TEST(MergedView, ReplacingTheFileForgetsItsFormerServerName) {
  auto facts = inspect_image({{dir("usr/bin/"), file("usr/bin/foo", "ELF", 0755), dir("usr/sbin/"),
                               hardlink("usr/sbin/sshd", "usr/bin/foo")},
                              {file("usr/sbin/.wh.sshd")},
                              {file("usr/bin/foo", "a new file", 0755)}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_TRUE(facts->findings.empty());
}

TEST(MergedView, DanglingSymlinkToADeletedSshdIsNotAServer) {
  auto facts = inspect_image(
      {kBase, {dir("opt/"), symlink("opt/x", "/usr/sbin/sshd")}, {file("usr/sbin/.wh.sshd")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_TRUE(facts->findings.empty());
}

TEST(MergedView, ServerNamedSymlinkToAMultiCallBinaryIsFound) {
  auto facts =
      inspect_image({{dir("usr/lib/dropbear/"), file("usr/lib/dropbear/multi", "ELF"),
                      dir("usr/sbin/"), symlink("usr/sbin/dropbear", "../lib/dropbear/multi")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(findings(*facts),
              ElementsAre("/usr/sbin/dropbear (symlink to /usr/lib/dropbear/multi)"));
}

TEST(MergedView, EntriesBelowASymlinkedDirectoryLandAtItsTarget) {
  // merged-usr: /sbin -> usr/sbin; a later "sbin/sshd" is /usr/sbin/sshd.
  auto facts = inspect_image({{dir("usr/"), dir("usr/sbin/"), symlink("sbin", "usr/sbin")},
                              {file("sbin/sshd", "ELF", 0755)}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(paths(*facts), ElementsAre("/sbin", "/usr", "/usr/sbin", "/usr/sbin/sshd"));
  EXPECT_THAT(findings(*facts), ElementsAre("/usr/sbin/sshd (unpackaged)"));
}

TEST(MergedView, SymlinkedParentCannotLeaveTheRoot) {
  auto facts = inspect_image({{symlink("evil", "../../../../etc")}, {file("evil/cron", "x")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(paths(*facts), ElementsAre("/etc/cron", "/evil"));
}

TEST(MergedView, SymlinkLoopsResolveToNothing) {
  MergedFilesystem fs;
  auto layer = fs.next_layer("layer test");
  ASSERT_TRUE(layer->on_entry({"/a", policy::FileType::Symlink, 0777, 0, "b"}));
  ASSERT_TRUE(layer->on_entry({"/b", policy::FileType::Symlink, 0777, 0, "/a"}));
  EXPECT_EQ(fs.resolve("/a"), std::nullopt);
  EXPECT_EQ(fs.resolve("/a/x"), std::nullopt);
  EXPECT_EQ(fs.resolve("/a", /*follow_last=*/false), "/a");
  // A file under a looping parent is kept where it was named.
  ASSERT_TRUE(layer->on_entry({"/a/x", policy::FileType::Regular, 0644, 0, ""}));
  EXPECT_NE(fs.find("/a/x"), nullptr);
}

TEST(MergedView, SetuidAndSetgidBitsAreKept) {
  auto facts =
      inspect_image({{file("usr/bin/passwd", "ELF", 04755), file("usr/bin/wall", "ELF", 02755)}});
  ASSERT_TRUE(facts) << facts.error().message;
  ASSERT_EQ(facts->files.size(), 2u);
  EXPECT_EQ(facts->files[0].mode, 04755u);
  EXPECT_EQ(facts->files[1].mode, 02755u);
}

TEST(MergedView, RootEntryAndDotSlashPrefixesNormalise) {
  auto facts = inspect_image({{dir("./"), dir("./etc/"), file(".//etc//hostname", "h")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(paths(*facts), ElementsAre("/etc", "/etc/hostname"));
}

}  // namespace
}  // namespace portcullis::scanner
