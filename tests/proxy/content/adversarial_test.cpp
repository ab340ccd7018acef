// Hostile layers pulled through the proxy: each image is denied with a reason that names the
// layer and the limit or defect, and the daemon goes on serving (a good image right after).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/proxy/content/content_fixture.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
using ::testing::HasSubstr;

class ContentAdversarial : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new HostileImages(hostile_images());
    registry_ = new DockerRegistry();
    for (const auto& [name, image] : named()) {
      push_exact(*image, *registry_, "adv/" + name, "1");
      if (HasFatalFailure()) return;
    }
    // Served under its digest, with other bytes of the same size.
    corrupt_stored_blob(*registry_, images_->tampered.layers[0].digest);
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete images_;
  }
  static std::vector<std::pair<std::string, const BuiltImage*>> named() {
    return {{"gzip-bomb", &images_->gzip_bomb},
            {"dot-dot", &images_->dot_dot},
            {"absolute", &images_->absolute},
            {"truncated", &images_->truncated},
            {"many-files", &images_->many_files},
            {"tampered", &images_->tampered},
            {"good", &images_->good}};
  }

  // The denial of adv/NAME:1 (a content problem is judged like a content fact: rule
  // "assessment"); then the good image is still served.
  std::string denial(const std::string& name) {
    auto res = get_manifest(*proxy_, "adv/" + name, "1");
    EXPECT_EQ(res.status, 403) << res.body;
    const auto error = oci_error(res);
    EXPECT_EQ(error.code, "DENIED") << res.body;
    EXPECT_THAT(error.message, HasSubstr("image registry.corp.example/adv/" + name)) << res.body;
    if (error.detail.is_array() && !error.detail.empty()) {
      EXPECT_EQ(error.detail[0]["rule"], "assessment") << res.body;
    } else {
      ADD_FAILURE() << "no detail: " << res.body;
    }
    auto good = get_manifest(*proxy_, "adv/good", "1");
    EXPECT_EQ(good.status, 200) << "after " << name << ": " << good.body;
    EXPECT_EQ(good.body, images_->good.manifest);
    return error.message;
  }

  static std::string layer(const BuiltImage& image) { return "layer " + image.layers[0].digest; }

  std::unique_ptr<ProxyInstance> proxy_ =
      std::make_unique<ProxyInstance>(content_proxy_options(*registry_));
  static inline HostileImages* images_ = nullptr;
  static inline DockerRegistry* registry_ = nullptr;
};

TEST_F(ContentAdversarial, GzipBombIsStoppedByTheDecompressionRatioLimit) {
  // 1 GiB of zeros in about 1 MB; the limit bites after 16 MiB of output.
  ASSERT_LT(images_->gzip_bomb.layers[0].size, 4u << 20);
  const auto message = denial("gzip-bomb");
  EXPECT_THAT(message, HasSubstr(layer(images_->gzip_bomb) +
                                 " exceeds the decompression ratio limit (ratio "));
  EXPECT_THAT(message, HasSubstr(":1 > 100:1)"));
}

TEST_F(ContentAdversarial, DotDotPathIsDenied) {
  EXPECT_THAT(denial("dot-dot"), HasSubstr(layer(images_->dot_dot) +
                                           ": tar entry \"../etc/passwd\" escapes the image root "
                                           "(\"..\" component)"));
}

TEST_F(ContentAdversarial, AbsolutePathIsDenied) {
  EXPECT_THAT(
      denial("absolute"),
      HasSubstr(layer(images_->absolute) + ": tar entry \"/etc/cron.d/evil\" is an absolute path"));
}

TEST_F(ContentAdversarial, TruncatedTarIsMalformed) {
  EXPECT_THAT(denial("truncated"), HasSubstr(layer(images_->truncated) +
                                             ": malformed tar: Truncated input file (needed "));
}

TEST_F(ContentAdversarial, DigestMismatchIsDeniedAndAskedAgainNextTime) {
  const std::string expected = layer(images_->tampered) + ": digest mismatch (content is sha256:";
  EXPECT_THAT(denial("tampered"), HasSubstr(expected));
  // Bytes that do not match their digest say more about the upstream than about the image:
  // the outcome is not kept, the next pull fetches the layer again.
  settled_access_log(*registry_);
  registry_->clear_access_log();
  EXPECT_THAT(denial("tampered"), HasSubstr(expected));
  const auto log = settled_access_log(*registry_);
  EXPECT_EQ(blob_gets(log, "adv/tampered", images_->tampered.layers[0].digest), 1u);
  // And the blob itself is never relayed.
  EXPECT_EQ(get_blob(*proxy_, "adv/tampered", images_->tampered.layers[0].digest).status, 403);
}

TEST_F(ContentAdversarial, MillionEmptyFilesHitTheEntryLimit) {
  EXPECT_THAT(denial("many-files"),
              HasSubstr(layer(images_->many_files) +
                        " exceeds the entry limit (more than 300000 entries)"));
}

}  // namespace
}  // namespace portcullis::testing
