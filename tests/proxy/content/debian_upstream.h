// A docker-registry upstream holding the Debian 12 images, shared by the tests of one suite
// (each suite that derives from it gets its own registry: DebianUpstream<Suite>).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/proxy/content/content_fixture.h"

namespace portcullis::testing {

template <class Suite>
class DebianUpstream : public ::testing::Test {
 protected:
  // Builds (or reads from the cache) the images, starts the registry and pushes each
  // ("debian/sshd:12", &DebianImages::sshd) pair.
  static void start(
      const std::vector<std::pair<std::string, testsupport::BuiltImage DebianImages::*>>& repos) {
    images_ = std::make_unique<DebianImages>(debian_images());
    ASSERT_FALSE(images_->sshd_version.empty())
        << "openssh-server is not installed in the sshd rootfs";
    registry_ = std::make_unique<testsupport::DockerRegistry>();
    for (const auto& [repo_tag, member] : repos) {
      push((*images_).*member, *registry_, repo_tag);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  static void TearDownTestSuite() {
    registry_.reset();
    images_.reset();
  }

  static const DebianImages& images() { return *images_; }
  static testsupport::DockerRegistry& registry() { return *registry_; }
  static std::string sshd_reason() { return testing::sshd_reason(images_->sshd_version); }

  // The upstream's access log from now on (after the requests in flight are logged).
  static void reset_upstream_log() {
    settled_access_log(*registry_);
    registry_->clear_access_log();
  }

  static inline std::unique_ptr<DebianImages> images_;
  static inline std::unique_ptr<testsupport::DockerRegistry> registry_;
};

}  // namespace portcullis::testing
