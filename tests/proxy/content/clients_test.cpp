// Real clients pulling real Debian 12 images through the proxy: the sshd image is refused with
// the reason (skopeo and podman print the error body; containerd only the status), the image
// without sshd is pulled unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/proxy/content/debian_upstream.h"
#include "tests/support/clients.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
using ::testing::HasSubstr;

class ContentClients : public DebianUpstream<ContentClients> {
 protected:
  static void SetUpTestSuite() {
    start({{"debian/plain:12", &DebianImages::plain}, {"debian/sshd:12", &DebianImages::sshd}});
  }
  std::string ref(const std::string& repo_tag) const {
    return std::string(kRegistry) + "/" + repo_tag;
  }
};

TEST_F(ContentClients, Skopeo) {
  ProxyInstance proxy(content_proxy_options(registry()));
  TempDir out("skopeo-out");
  const std::string base = "docker://" + proxy.host_port() + "/" + kRegistry + "/";

  auto denied = skopeo_copy(base + "debian/sshd:12", "oci:" + out.path() + "/sshd:12");
  EXPECT_FALSE(denied.ok()) << denied.describe();
  EXPECT_THAT(denied.err, HasSubstr("denied: image registry.corp.example/debian/sshd"))
      << denied.describe();
  EXPECT_THAT(denied.err, HasSubstr(sshd_reason())) << denied.describe();

  auto allowed = skopeo_copy(base + "debian/plain:12", "oci:" + out.path() + "/plain:12");
  ASSERT_TRUE(allowed.ok()) << allowed.describe();
  const auto pulled = read_oci_layout(out.path() + "/plain", "12");
  EXPECT_EQ(pulled.manifest_digest, images().plain.manifest_digest);
  EXPECT_EQ(sha256_file(pulled.blob_path(images().plain.layers[0].digest)),
            images().plain.layers[0].digest);
}

TEST_F(ContentClients, Podman) {
  ProxyInstance proxy(content_proxy_options(registry()));
  Podman podman;
  podman.set_registries_conf(
      registries_conf_with_mirror(kRegistry, proxy.host_port() + "/" + kRegistry));

  auto denied = podman.pull(ref("debian/sshd:12"));
  EXPECT_FALSE(denied.ok()) << denied.describe();
  EXPECT_THAT(denied.err, HasSubstr(sshd_reason())) << denied.describe();

  auto allowed = podman.pull(ref("debian/plain:12"));
  ASSERT_TRUE(allowed.ok()) << allowed.describe();
  EXPECT_EQ(allowed.digest, images().plain.manifest_digest);
}

TEST_F(ContentClients, Containerd) {
  ProxyInstance proxy(content_proxy_options(registry()));
  Containerd containerd;
  TempDir hosts("hosts");
  // The proxy is the server too, so the node cannot fall back to the registry itself.
  write_hosts_toml(hosts.path(), kRegistry, {{"http://" + proxy.host_port()}},
                   "http://" + proxy.host_port());

  auto denied = containerd.pull(ref("debian/sshd:12"), {.hosts_dir = hosts.path()});
  EXPECT_FALSE(denied.ok()) << denied.describe();
  EXPECT_THAT(denied.out + denied.err, HasSubstr("403 Forbidden")) << denied.describe();
  EXPECT_TRUE(access_log_has(proxy, "\"decision\":\"deny:policy\"")) << proxy.access_log();

  auto allowed = containerd.pull(ref("debian/plain:12"), {.hosts_dir = hosts.path()});
  ASSERT_TRUE(allowed.ok()) << allowed.describe();
  EXPECT_EQ(allowed.digest, images().plain.manifest_digest);
}

}  // namespace
}  // namespace portcullis::testing
