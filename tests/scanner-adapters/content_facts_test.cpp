// Content facts from real package databases (Debian 12 excerpts in
// tests/fixtures/scanner) and the SSH server detector's package attribution.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image_helpers.h"

namespace portcullis::scanner {
namespace {

using testing::dir;
using ::testing::ElementsAre;
using testing::file;
using testing::findings;
using testing::fixture;
using testing::inspect_image;
using testing::symlink;

std::vector<std::string> package_names(const policy::ContentFacts& facts) {
  std::vector<std::string> out;
  for (const auto& p : facts.packages) out.push_back(p.ecosystem + ":" + p.name + "=" + p.version);
  return out;
}

// A debootstrap-like layer: merged /usr, os-release behind a symlink, dpkg.
testing::Layer debian_layer(bool with_list = true) {
  testing::Layer l = {
      dir("etc/"),
      symlink("etc/os-release", "../usr/lib/os-release"),
      dir("usr/"),
      dir("usr/lib/"),
      file("usr/lib/os-release", fixture("os-release")),
      dir("usr/sbin/"),
      file("usr/sbin/sshd", "ELF", 0755),
      symlink("sbin", "usr/sbin"),
      dir("var/lib/dpkg/info/"),
      file("var/lib/dpkg/status", fixture("dpkg-status")),
  };
  if (with_list) {
    l.push_back(file("var/lib/dpkg/info/openssh-server.list", fixture("openssh-server.list")));
  }
  return l;
}

TEST(ContentFacts, DebianOsReleaseThroughItsSymlink) {
  auto facts = inspect_image({debian_layer()});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_EQ(facts->os_release["ID"], "debian");
  EXPECT_EQ(facts->os_release["VERSION_ID"], "12");
  EXPECT_EQ(facts->os_release["PRETTY_NAME"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(facts->os_release["VERSION_CODENAME"], "bookworm");
}

TEST(ContentFacts, DpkgStatusGivesTheInstalledPackages) {
  auto facts = inspect_image({debian_layer()});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(package_names(*facts),
              ElementsAre("dpkg:base-files=12.4+deb12u15", "dpkg:bash=5.2.15-2+b13",
                          "dpkg:libc6=2.36-9+deb12u14", "dpkg:openssh-client=1:9.2p1-2+deb12u10",
                          "dpkg:openssh-server=1:9.2p1-2+deb12u10",
                          "dpkg:openssh-sftp-server=1:9.2p1-2+deb12u10",
                          "dpkg:tzdata=2026b-0+deb12u1", "dpkg:zlib1g=1:1.2.13.dfsg-1"));
  const auto& bash = facts->packages[1];
  EXPECT_EQ(bash.source, "bash");  // "Source: bash (5.2.15-2)"
  EXPECT_EQ(bash.arch, "amd64");
  EXPECT_EQ(facts->packages[2].source, "glibc");
  EXPECT_EQ(facts->packages[0].source, "base-files");  // no Source: the package itself
  EXPECT_EQ(facts->packages[6].arch, "all");
}

TEST(ContentFacts, SshdIsAttributedToItsPackageThroughTheDpkgFileList) {
  auto facts = inspect_image({debian_layer()});
  ASSERT_TRUE(facts) << facts.error().message;
  // The deny reason reads: no-ssh-server: /usr/sbin/sshd (openssh-server 1:9.2p1-2+deb12u10)
  EXPECT_THAT(findings(*facts), ElementsAre("/usr/sbin/sshd (openssh-server 1:9.2p1-2+deb12u10)"));
}

TEST(ContentFacts, WithoutFileListsTheInstalledServerPackageIsNamed) {
  auto facts = inspect_image({debian_layer(/*with_list=*/false)});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(findings(*facts), ElementsAre("/usr/sbin/sshd (openssh-server 1:9.2p1-2+deb12u10)"));
}

TEST(ContentFacts, ServerPackageWithoutItsBinaryIsStillAFinding) {
  auto facts = inspect_image({debian_layer(), {file("usr/sbin/.wh.sshd")}});
  ASSERT_TRUE(facts) << facts.error().message;
  ASSERT_EQ(facts->findings.size(), 1u);
  EXPECT_EQ(facts->findings[0].path, "");
  EXPECT_EQ(facts->findings[0].detail, "openssh-server 1:9.2p1-2+deb12u10");
}

TEST(ContentFacts, ALaterDpkgStatusReplacesTheEarlierOne) {
  std::string status = fixture("dpkg-status");
  // Drop the openssh-server paragraph, as "apt-get purge" would.
  size_t at = status.find("Package: openssh-server\n");
  size_t end = status.find("\n\n", at);
  status.erase(at, end + 2 - at);
  auto facts = inspect_image({debian_layer(),
                              {file("usr/sbin/.wh.sshd"), file("var/lib/dpkg/status", status),
                               file("var/lib/dpkg/info/.wh.openssh-server.list")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_EQ(facts->packages.size(), 7u);
  EXPECT_TRUE(facts->findings.empty());
}

TEST(ContentFacts, DeletedDpkgDatabaseMeansNoPackages) {
  auto facts = inspect_image({debian_layer(), {file("var/lib/dpkg/.wh.status")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_TRUE(facts->packages.empty());
}

TEST(ContentFacts, DistrolessStatusDirectory) {
  // Distroless keeps one control file per package and no Status field.
  auto facts = inspect_image(
      {{dir("var/lib/dpkg/status.d/"),
        file("var/lib/dpkg/status.d/base-files",
             "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n"
             "Maintainer: Santiago Vila <sanvila@debian.org>\nInstalled-Size: 341\n"
             "Essential: yes\nPriority: required\nSection: admin\n"
             "Description: Debian base system miscellaneous files\n"
             " This package contains the basic filesystem hierarchy of a Debian system.\n"),
        file("var/lib/dpkg/status.d/libssl3",
             "Package: libssl3\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n"
             "Architecture: amd64\nMulti-Arch: same\n"),
        file("var/lib/dpkg/status.d/libssl3.md5sums", "0123  usr/lib/libssl.so.3\n")}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_THAT(package_names(*facts),
              ElementsAre("dpkg:base-files=12.4+deb12u5", "dpkg:libssl3=3.0.11-1~deb12u2"));
  EXPECT_EQ(facts->packages[1].source, "openssl");
}

const char kApkInstalled[] =
    "C:Q1tSuuz0ucTxyl1ZumGTbAPlTajd0=\n"
    "P:musl\n"
    "V:1.2.4_git20230717-r4\n"
    "A:x86_64\n"
    "S:407562\n"
    "I:663552\n"
    "T:the musl c library (libc) implementation\n"
    "U:https://musl.libc.org/\n"
    "L:MIT\n"
    "o:musl\n"
    "m:Timo Teräs <timo.teras@iki.fi>\n"
    "t:1704400451\n"
    "F:lib\n"
    "R:ld-musl-x86_64.so.1\n"
    "a:0:0:755\n"
    "\n"
    "C:Q1Ofeuv7uEsE35dZ8QsBwYaDSNM9o=\n"
    "P:dropbear\n"
    "V:2022.83-r4\n"
    "A:x86_64\n"
    "o:dropbear\n"
    "F:usr/sbin\n"
    "R:dropbear\n"
    "\n"
    "P:ssl_client\n"
    "V:1.36.1-r15\n"
    "A:x86_64\n"
    "o:busybox\n"
    "\n";

TEST(ContentFacts, AlpineApkDatabaseAndDropbear) {
  auto facts = inspect_image({{file("etc/os-release",
                                    "NAME=\"Alpine Linux\"\nID=alpine\n"
                                    "VERSION_ID=3.19.1\n"),
                               dir("lib/apk/db/"), file("lib/apk/db/installed", kApkInstalled),
                               dir("usr/sbin/"), file("usr/sbin/dropbear", "ELF", 0755)}});
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_EQ(facts->os_release["ID"], "alpine");
  EXPECT_THAT(package_names(*facts),
              ElementsAre("apk:dropbear=2022.83-r4", "apk:musl=1.2.4_git20230717-r4",
                          "apk:ssl_client=1.36.1-r15"));
  EXPECT_EQ(facts->packages[2].source, "busybox");
  EXPECT_THAT(findings(*facts), ElementsAre("/usr/sbin/dropbear (dropbear 2022.83-r4)"));
}

TEST(ContentFacts, FilesAreSortedWithTypesAndTargets) {
  auto facts = inspect_image({debian_layer()});
  ASSERT_TRUE(facts) << facts.error().message;
  ASSERT_TRUE(std::is_sorted(facts->files.begin(), facts->files.end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
  auto it = std::find_if(facts->files.begin(), facts->files.end(),
                         [](const auto& f) { return f.path == "/etc/os-release"; });
  ASSERT_NE(it, facts->files.end());
  EXPECT_EQ(it->type, policy::FileType::Symlink);
  EXPECT_EQ(it->link_target, "../usr/lib/os-release");
}

}  // namespace
}  // namespace portcullis::scanner
