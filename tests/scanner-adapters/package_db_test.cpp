// Package database and os-release parsers on their own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "layer_builder.h"
#include "scanner-adapters/package_db.h"

namespace portcullis::scanner {
namespace {

TEST(PackageDb, OnlyInstalledDpkgPackagesCount) {
  auto pkgs = parse_dpkg_status(
      "Package: old-kernel\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
      "Package: held\nStatus: hold ok installed\nVersion: 2.0\nArchitecture: amd64\n\n"
      "Package: half\nStatus: install ok half-configured\nVersion: 3.0\n\n"
      "Package: nostatus\nVersion: 4.0\n",
      /*require_status=*/true);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "held");
  EXPECT_EQ(pkgs[0].version, "2.0");
  EXPECT_EQ(pkgs[0].ecosystem, "dpkg");
}

TEST(PackageDb, RealDebianStatusExcerpt) {
  auto pkgs = parse_dpkg_status(testing::fixture("dpkg-status"), true);
  ASSERT_EQ(pkgs.size(), 8u);
  EXPECT_EQ(pkgs[4].name, "openssh-server");
  EXPECT_EQ(pkgs[4].version, "1:9.2p1-2+deb12u10");
  EXPECT_EQ(pkgs[4].source, "openssh");
  EXPECT_EQ(pkgs[4].arch, "amd64");
}

TEST(PackageDb, CrlfAndMissingTrailingNewline) {
  auto pkgs =
      parse_dpkg_status("Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n", true);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].version, "1");
}

TEST(PackageDb, OsReleaseQuoting) {
  auto os = parse_os_release(
      "# comment\nNAME=\"Fancy \\\"OS\\\"\"\nID=fancy\nVERSION_ID='1.2'\n"
      "lower=ignored\nBROKEN\nPRETTY_NAME=\"a\\\\b\"\n");
  EXPECT_EQ(os, (std::map<std::string, std::string>{{"NAME", "Fancy \"OS\""},
                                                    {"ID", "fancy"},
                                                    {"VERSION_ID", "1.2"},
                                                    {"PRETTY_NAME", "a\\b"}}));
}

TEST(PackageDb, OsReleaseKeysAreBounded) {
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "K" + std::to_string(i) + "=v\n";
  EXPECT_EQ(parse_os_release(many).size(), 64u);
}

TEST(PackageDb, ApkOriginDefaultsToTheName) {
  auto pkgs = parse_apk_installed("P:busybox\nV:1.36.1-r15\nA:x86_64\n");
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].source, "busybox");
  EXPECT_EQ(pkgs[0].ecosystem, "apk");
}

}  // namespace
}  // namespace portcullis::scanner
