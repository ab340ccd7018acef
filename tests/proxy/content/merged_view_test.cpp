// The merged filesystem decides, as the container would see it: whiteouts and opaque
// directories delete, hardlinks and symlinks do not hide an SSH server. Small synthetic
// two-layer images, pulled through the proxy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/proxy/content/content_fixture.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
using ::testing::HasSubstr;
using ::testing::Not;
using Layer = std::vector<TarEntry>;

const Layer kSbin = {TarEntry::dir("usr"), TarEntry::dir("usr/sbin"),
                     TarEntry::file("usr/sbin/sshd",
                                    "\x7f"
                                    "ELF sshd",
                                    0755),
                     TarEntry::file("usr/sbin/nologin",
                                    "\x7f"
                                    "ELF nologin",
                                    0755)};

class ContentMergedView : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new DockerRegistry();
    work_ = new TempDir("merged-view");
    add("sshd", {kSbin});
    add("whiteout", {kSbin, {TarEntry::file("usr/sbin/.wh.sshd", "")}});
    add("opaque", {kSbin,
                   {TarEntry::dir("usr/sbin"), TarEntry::file("usr/sbin/.wh..wh..opq", ""),
                    TarEntry::file("usr/sbin/nologin",
                                   "\x7f"
                                   "ELF nologin",
                                   0755)}});
    // The binary under another name, hardlinked, then its sshd name deleted.
    add("hardlink", {{TarEntry::dir("usr"), TarEntry::dir("usr/sbin"),
                      TarEntry::file("usr/sbin/sshd",
                                     "\x7f"
                                     "ELF sshd",
                                     0755),
                      TarEntry::dir("opt"), TarEntry::dir("opt/x"),
                      TarEntry::hardlink("opt/x/tool", "usr/sbin/sshd")},
                     {TarEntry::file("usr/sbin/.wh.sshd", "")}});
    // The binary under an innocent name; the sshd name is a symlink to it, added later.
    add("symlink", {{TarEntry::dir("opt"), TarEntry::dir("opt/x"),
                     TarEntry::file("opt/x/blob",
                                    "\x7f"
                                    "ELF sshd",
                                    0755)},
                    {TarEntry::dir("usr"), TarEntry::dir("usr/sbin"),
                     TarEntry::symlink("usr/sbin/sshd", "../../opt/x/blob")}});
    // A link that climbs above the root resolves inside it, as a container would see it.
    add("climbing-symlink", {kSbin,
                             {TarEntry::dir("opt"), TarEntry::dir("opt/x"),
                              TarEntry::symlink("opt/x/run", "../../../../../../usr/sbin/sshd")}});
  }
  static void TearDownTestSuite() {
    delete work_;
    delete registry_;
  }

  static void add(const std::string& name, const std::vector<Layer>& layers) {
    OciLayoutBuilder builder(work_->path() + "/" + name);
    for (const auto& layer : layers) builder.add_layer(layer);
    const auto image = builder.build("1");
    digests_[name] = image.manifest_digest;
    push(image, *registry_, "merged/" + name + ":1");
  }

  // The denial message, or "" (and a failure) if the image was not denied.
  static std::string denial(const ProxyInstance& proxy, const std::string& name) {
    auto res = get_manifest(proxy, "merged/" + name, "1");
    EXPECT_EQ(res.status, 403) << name << ": " << res.body;
    return res.status == 403 ? oci_error(res).message : std::string();
  }

  static void expect_allowed(const ProxyInstance& proxy, const std::string& name) {
    auto res = get_manifest(proxy, "merged/" + name, "1");
    EXPECT_EQ(res.status, 200) << name << ": " << res.body;
    EXPECT_EQ(res.header("Docker-Content-Digest"), digests_[name]);
  }

  static inline DockerRegistry* registry_ = nullptr;
  static inline TempDir* work_ = nullptr;
  static inline std::map<std::string, std::string> digests_;
};

TEST_F(ContentMergedView, SshdInTheOnlyLayerIsDenied) {
  ProxyInstance proxy(content_proxy_options(*registry_));
  EXPECT_THAT(denial(proxy, "sshd"), HasSubstr("no-ssh-server: /usr/sbin/sshd (unpackaged)"));
}

TEST_F(ContentMergedView, SshdDeletedByAWhiteoutIsGone) {
  ProxyInstance proxy(content_proxy_options(*registry_));
  expect_allowed(proxy, "whiteout");
}

TEST_F(ContentMergedView, SshdHiddenByAnOpaqueDirectoryIsGone) {
  ProxyInstance proxy(content_proxy_options(*registry_));
  expect_allowed(proxy, "opaque");
}

TEST_F(ContentMergedView, SshdKeptThroughAHardlinkIsFound) {
  ProxyInstance proxy(content_proxy_options(*registry_));
  const auto message = denial(proxy, "hardlink");
  EXPECT_THAT(message, HasSubstr("no-ssh-server: /opt/x/tool (hardlink of /usr/sbin/sshd)"));
  EXPECT_THAT(message, Not(HasSubstr("no-ssh-server: /usr/sbin/sshd")));  // that name is gone
}

TEST_F(ContentMergedView, SshdBehindASymlinkIsFound) {
  ProxyInstance proxy(content_proxy_options(*registry_));
  EXPECT_THAT(denial(proxy, "symlink"),
              HasSubstr("no-ssh-server: /usr/sbin/sshd (symlink to /opt/x/blob)"));
}

TEST_F(ContentMergedView, SymlinksResolveInsideTheImageRoot) {
  ProxyInstance proxy(content_proxy_options(*registry_));
  EXPECT_THAT(denial(proxy, "climbing-symlink"),
              HasSubstr("no-ssh-server: /opt/x/run (symlink to /usr/sbin/sshd, unpackaged)"));
}

}  // namespace
}  // namespace portcullis::testing
