// Pull-time content gating of real Debian 12 images (debootstrap), through the proxy in cluster
// prod-test under the content part of the PCI manifest: the verdict comes before the manifest,
// blobs only for allowed manifests, the merged view decides, facts are kept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/proxy/content/debian_upstream.h"
#include "tests/support/clients.h"

namespace portcullis::testing {
namespace {

using namespace testsupport;
using ::testing::HasSubstr;

std::string describe(const HttpResponse& r) {
  return "status " + std::to_string(r.status) + " " + r.error + "\n" + r.body.substr(0, 2000);
}

std::string describe(const std::vector<AccessLogEntry>& log) {
  std::string out;
  for (const auto& e : log) out += e.method + " " + e.uri + " " + std::to_string(e.status) + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Verdicts and what is served

class ContentGating : public DebianUpstream<ContentGating> {
 protected:
  static void SetUpTestSuite() {
    start({{"debian/plain:12", &DebianImages::plain},
           {"debian/sshd:12", &DebianImages::sshd},
           {"debian/sshd-zstd:12", &DebianImages::sshd_zstd},
           {"debian/purged:12", &DebianImages::purged},
           {"debian/purged-opaque:12", &DebianImages::purged_opaque},
           {"debian/multi:amd64", &DebianImages::plain},
           {"debian/multi:arm64", &DebianImages::sshd}});
    if (HasFatalFailure()) return;
    index_ = oci_index({{&images().plain, "linux/amd64"}, {&images().sshd, "linux/arm64"}});
    put_manifest(registry(), "debian/multi", "12", "application/vnd.oci.image.index.v1+json",
                 index_);
  }
  static inline std::string index_;
};

TEST_F(ContentGating, SshdImageIsDeniedWithTheRuleThePathAndThePackageVersion) {
  ProxyInstance proxy(content_proxy_options(registry()));
  auto res = get_manifest(proxy, "debian/sshd", "12");
  ASSERT_EQ(res.status, 403) << describe(res);
  const auto error = oci_error(res);
  EXPECT_EQ(error.code, "DENIED");
  EXPECT_THAT(error.message, HasSubstr("image registry.corp.example/debian/sshd"));
  EXPECT_THAT(error.message,
              HasSubstr("is denied by policy: pci-content (content.deny/no-ssh-server): " +
                        sshd_reason() + ", denied by pci-content (content.deny)"));
  ASSERT_TRUE(error.detail.is_array()) << res.body;
  ASSERT_FALSE(error.detail.empty()) << res.body;
  EXPECT_EQ(error.detail[0]["manifest"], kManifestName);
  EXPECT_EQ(error.detail[0]["rule"], "content.deny/no-ssh-server");
  EXPECT_THAT(error.detail[0]["message"].get<std::string>(), HasSubstr(sshd_reason()));
  EXPECT_TRUE(access_log_has(proxy, "\"decision\":\"deny:policy\"")) << proxy.access_log();

  // HEAD and by-digest requests get the same verdict (judged from the facts just stored).
  EXPECT_EQ(get_manifest(proxy, "debian/sshd", "12", "HEAD").status, 403);
  auto by_digest = get_manifest(proxy, "debian/sshd", images().sshd.manifest_digest);
  EXPECT_EQ(by_digest.status, 403) << describe(by_digest);
  EXPECT_THAT(oci_error(by_digest).message, HasSubstr(sshd_reason()));
  EXPECT_EQ(get_manifest(proxy, "debian/sshd", images().sshd.manifest_digest, "HEAD").status, 403);
}

TEST_F(ContentGating, ADigestNeverSeenByTagIsAssessedToo) {
  ProxyInstance proxy(content_proxy_options(registry()));
  auto res = get_manifest(proxy, "debian/sshd", images().sshd.manifest_digest);
  ASSERT_EQ(res.status, 403) << describe(res);
  EXPECT_THAT(oci_error(res).message, HasSubstr(sshd_reason()));
  auto plain = get_manifest(proxy, "debian/plain", images().plain.manifest_digest);
  ASSERT_EQ(plain.status, 200) << describe(plain);
  EXPECT_EQ(plain.body, images().plain.manifest);
}

TEST_F(ContentGating, AnIndexServesOnlyItsAllowedPlatformManifests) {
  ProxyInstance proxy(content_proxy_options(registry()));
  auto index = get_manifest(proxy, "debian/multi", "12");
  ASSERT_EQ(index.status, 200) << describe(index);
  EXPECT_EQ(index.body, index_);
  EXPECT_EQ(index.header("Docker-Content-Digest"), sha256_of(index_));
  // Each child is judged when it is asked for, as a client does after choosing its platform.
  auto arm64 = get_manifest(proxy, "debian/multi", images().sshd.manifest_digest);
  ASSERT_EQ(arm64.status, 403) << describe(arm64);
  EXPECT_THAT(oci_error(arm64).message, HasSubstr(sshd_reason()));
  EXPECT_EQ(get_blob(proxy, "debian/multi", images().sshd.layers[0].digest).status, 403);
  auto amd64 = get_manifest(proxy, "debian/multi", images().plain.manifest_digest);
  ASSERT_EQ(amd64.status, 200) << describe(amd64);
  EXPECT_EQ(amd64.body, images().plain.manifest);
  auto layer = get_blob(proxy, "debian/multi", images().plain.layers[0].digest);
  ASSERT_EQ(layer.status, 200) << describe(layer);
  EXPECT_EQ(sha256_of(layer.body), images().plain.layers[0].digest);
}

TEST_F(ContentGating, HeadOfAnUnseenImageIsJudgedBeforeItIsAnswered) {
  ProxyInstance proxy(content_proxy_options(registry()));
  EXPECT_EQ(get_manifest(proxy, "debian/sshd", "12", "HEAD").status, 403);
  auto head = get_manifest(proxy, "debian/plain", "12", "HEAD");
  EXPECT_EQ(head.status, 200) << describe(head);
  EXPECT_EQ(head.header("Docker-Content-Digest"), images().plain.manifest_digest);
}

TEST_F(ContentGating, ZstdLayersAreInspectedToo) {
  ProxyInstance proxy(content_proxy_options(registry()));
  auto res = get_manifest(proxy, "debian/sshd-zstd", "12");
  ASSERT_EQ(res.status, 403) << describe(res);
  EXPECT_THAT(oci_error(res).message, HasSubstr(sshd_reason()));
}

TEST_F(ContentGating, ImageWithoutSshdIsServedByteForByte) {
  ProxyInstance proxy(content_proxy_options(registry()));
  const auto& image = images().plain;
  auto res = get_manifest(proxy, "debian/plain", "12");
  ASSERT_EQ(res.status, 200) << describe(res);
  EXPECT_EQ(res.body, image.manifest);
  EXPECT_EQ(res.header("Docker-Content-Digest"), image.manifest_digest);
  EXPECT_EQ(res.header("Content-Type"), kOciManifest);
  EXPECT_TRUE(access_log_has(proxy, "\"decision\":\"allow\"")) << proxy.access_log();

  auto by_digest = get_manifest(proxy, "debian/plain", image.manifest_digest);
  ASSERT_EQ(by_digest.status, 200) << describe(by_digest);
  EXPECT_EQ(by_digest.body, image.manifest);

  // The blobs of an allowed manifest are served, unchanged.
  auto config = get_blob(proxy, "debian/plain", image.config_digest);
  ASSERT_EQ(config.status, 200) << describe(config);
  EXPECT_EQ(config.body, image.config);
  auto layer = get_blob(proxy, "debian/plain", image.layers[0].digest);
  ASSERT_EQ(layer.status, 200) << describe(layer);
  EXPECT_EQ(layer.body.size(), image.layers[0].size);
  EXPECT_EQ(sha256_of(layer.body), image.layers[0].digest);
}

TEST_F(ContentGating, LayersOfADeniedImageAreNotServed) {
  ProxyInstance proxy(content_proxy_options(registry()));
  const auto& image = images().sshd;
  const std::string not_granted = " is not referenced by an allowed manifest in debian/sshd";
  // Before any manifest was asked for, and after the manifest was denied.
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "cold" : "after the manifest was denied");
    for (const auto& digest : {image.layers[0].digest, image.config_digest}) {
      auto res = get_blob(proxy, "debian/sshd", digest);
      EXPECT_EQ(res.status, 403) << describe(res);
      const auto error = oci_error(res);
      EXPECT_EQ(error.code, "DENIED");
      EXPECT_THAT(error.message, HasSubstr("blob " + digest + not_granted));
    }
    if (round == 0) ASSERT_EQ(get_manifest(proxy, "debian/sshd", "12").status, 403);
  }
  EXPECT_TRUE(access_log_has(proxy, "\"decision\":\"deny:blob\"")) << proxy.access_log();
}

TEST_F(ContentGating, BlobsAreGrantedPerRepository) {
  // The purged image's first layer is the sshd image's only layer: it is servable where an
  // allowed manifest references it (debian/purged), and still not in debian/sshd.
  const auto& sshd_layer = images().sshd.layers[0].digest;
  ASSERT_EQ(images().purged.layers[0].digest, sshd_layer);
  ProxyInstance proxy(content_proxy_options(registry()));
  ASSERT_EQ(get_manifest(proxy, "debian/purged", "12").status, 200);
  auto granted = get_blob(proxy, "debian/purged", sshd_layer);
  ASSERT_EQ(granted.status, 200) << describe(granted);
  EXPECT_EQ(sha256_of(granted.body), sshd_layer);
  EXPECT_EQ(get_blob(proxy, "debian/sshd", sshd_layer).status, 403);
}

TEST_F(ContentGating, SshdRemovedByALaterLayerIsGoneFromTheMergedView) {
  // Layer 1 installs openssh-server (the sshd image's layer); layer 2 is the difference to
  // the plain tree: the sshd binary, its dpkg lists and the status entry are gone.
  ProxyInstance proxy(content_proxy_options(registry()));
  for (const auto& [repo, image] : {std::pair{"debian/purged", &images().purged},
                                    std::pair{"debian/purged-opaque", &images().purged_opaque}}) {
    SCOPED_TRACE(repo);
    auto res = get_manifest(proxy, repo, "12");
    ASSERT_EQ(res.status, 200) << describe(res);
    EXPECT_EQ(res.body, image->manifest);
    EXPECT_EQ(res.header("Docker-Content-Digest"), image->manifest_digest);
  }
}

// ---------------------------------------------------------------------------------------------
// The facts store: restarts, concurrent first pulls, manifests served locally

class ContentStore : public DebianUpstream<ContentStore> {
 protected:
  static void SetUpTestSuite() {
    start({{"debian/plain:12", &DebianImages::plain}, {"debian/sshd:12", &DebianImages::sshd}});
  }
};

TEST_F(ContentStore, FactsSurviveARestartAndNoBlobIsFetchedAgain) {
  TempDir store("content-store");
  const std::string path = store.path() + "/db";
  {
    ProxyInstance first(content_proxy_options(registry(), path));
    ASSERT_EQ(get_manifest(first, "debian/plain", "12").status, 200);
    ASSERT_EQ(get_manifest(first, "debian/sshd", "12").status, 403);
  }
  reset_upstream_log();
  ProxyInstance second(content_proxy_options(registry(), path));
  auto plain = get_manifest(second, "debian/plain", "12");
  ASSERT_EQ(plain.status, 200) << describe(plain);
  EXPECT_EQ(plain.body, images().plain.manifest);
  auto sshd = get_manifest(second, "debian/sshd", "12");
  ASSERT_EQ(sshd.status, 403) << describe(sshd);
  EXPECT_THAT(oci_error(sshd).message, HasSubstr(sshd_reason()));
  EXPECT_EQ(get_manifest(second, "debian/sshd", images().sshd.manifest_digest).status, 403);

  const auto log = settled_access_log(registry());
  EXPECT_EQ(all_blob_requests(log), 0u) << describe(log);
  EXPECT_EQ(metric(second, "portcullis_assessment_runs_total"), 0);
}

TEST_F(ContentStore, ConcurrentFirstPullsShareOneAssessmentPerImage) {
  ProxyInstance proxy(content_proxy_options(registry()));
  reset_upstream_log();
  constexpr int kPulls = 10;
  std::vector<HttpResponse> plain(kPulls), sshd(kPulls);
  {
    std::vector<std::jthread> clients;
    for (int i = 0; i < kPulls; ++i) {
      clients.emplace_back([&, i] { plain[i] = get_manifest(proxy, "debian/plain", "12"); });
      clients.emplace_back([&, i] { sshd[i] = get_manifest(proxy, "debian/sshd", "12"); });
    }
  }
  for (int i = 0; i < kPulls; ++i) {
    EXPECT_EQ(plain[i].status, 200) << describe(plain[i]);
    EXPECT_EQ(plain[i].body, images().plain.manifest);
    EXPECT_EQ(sshd[i].status, 403) << describe(sshd[i]);
    EXPECT_THAT(oci_error(sshd[i]).message, HasSubstr(sshd_reason()));
  }
  const auto log = settled_access_log(registry());
  for (const auto& [repo, image] :
       {std::pair{"debian/plain", &images().plain}, std::pair{"debian/sshd", &images().sshd}}) {
    EXPECT_EQ(blob_gets(log, repo, image->config_digest), 1u) << describe(log);
    EXPECT_EQ(blob_gets(log, repo, image->layers[0].digest), 1u) << describe(log);
  }
  EXPECT_EQ(all_blob_requests(log), 4u) << describe(log);
  EXPECT_EQ(metric(proxy, "portcullis_assessment_runs_total"), 2);
}

TEST_F(ContentStore, ByDigestManifestsOfAssessedImagesAreServedFromTheStore) {
  ProxyInstance proxy(content_proxy_options(registry()));
  ASSERT_EQ(get_manifest(proxy, "debian/plain", "12").status, 200);
  ASSERT_EQ(get_manifest(proxy, "debian/sshd", "12").status, 403);
  reset_upstream_log();

  const auto& image = images().plain;
  auto get = get_manifest(proxy, "debian/plain", image.manifest_digest);
  ASSERT_EQ(get.status, 200) << describe(get);
  EXPECT_EQ(get.body, image.manifest);
  EXPECT_EQ(get.header("Docker-Content-Digest"), image.manifest_digest);
  EXPECT_EQ(get.header("Content-Type"), kOciManifest);
  auto head = get_manifest(proxy, "debian/plain", image.manifest_digest, "HEAD");
  EXPECT_EQ(head.status, 200) << describe(head);
  EXPECT_EQ(head.header("Docker-Content-Digest"), image.manifest_digest);
  EXPECT_EQ(get_manifest(proxy, "debian/sshd", images().sshd.manifest_digest).status, 403);
  auto log = settled_access_log(registry());
  EXPECT_TRUE(log.empty()) << describe(log);

  // By tag: the upstream is asked what the tag points to now (one HEAD), no more.
  registry().clear_access_log();
  auto by_tag = get_manifest(proxy, "debian/plain", "12");
  ASSERT_EQ(by_tag.status, 200) << describe(by_tag);
  EXPECT_EQ(by_tag.body, image.manifest);
  log = settled_access_log(registry());
  ASSERT_EQ(log.size(), 1u) << describe(log);
  EXPECT_EQ(log[0].method, "HEAD");
  EXPECT_EQ(log[0].path(), "/v2/debian/plain/manifests/12");
}

TEST_F(ContentStore, ImagesPushedThroughTheProxyAreAssessedBeforeTheirFirstPull) {
  ProxyInstance proxy(content_proxy_options(registry()));
  reset_upstream_log();
  const std::string base = "docker://" + proxy.host_port() + "/" + kRegistry + "/";
  for (const auto& [repo, image] :
       {std::pair{"pushed/plain", &images().plain}, std::pair{"pushed/sshd", &images().sshd}}) {
    auto pushed = skopeo_copy(image->oci_ref(), base + repo + ":12");
    ASSERT_TRUE(pushed.ok()) << pushed.describe();
  }
  // The push-time assessment runs in the background: it reads each layer back once.
  auto log = registry().wait_for_access_log(
      [&](const std::vector<AccessLogEntry>& l) {
        return blob_gets(l, "pushed/plain", images().plain.layers[0].digest) == 1 &&
               blob_gets(l, "pushed/sshd", images().sshd.layers[0].digest) == 1;
      },
      std::chrono::seconds(60));
  ASSERT_EQ(blob_gets(log, "pushed/sshd", images().sshd.layers[0].digest), 1u) << describe(log);
  reset_upstream_log();

  auto plain = get_manifest(proxy, "pushed/plain", "12");
  ASSERT_EQ(plain.status, 200) << describe(plain);
  EXPECT_EQ(plain.body, images().plain.manifest);
  auto sshd = get_manifest(proxy, "pushed/sshd", "12");
  ASSERT_EQ(sshd.status, 403) << describe(sshd);
  EXPECT_THAT(oci_error(sshd).message, HasSubstr(sshd_reason()));
  log = settled_access_log(registry());
  EXPECT_EQ(all_blob_requests(log), 0u) << describe(log);
  EXPECT_EQ(metric(proxy, "portcullis_assessment_runs_total"), 2);
}

}  // namespace
}  // namespace portcullis::testing
