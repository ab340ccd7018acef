// The assessment against a real docker-registry, read through the proxy's
// upstream client: streaming blobs, auth, the facts cache across a restart
// (checked on the registry's own access log), and failures.
#include <gtest/gtest.h>

#include <thread>

#include "proxy/assessment/assessor.h"
#include "proxy/assessment/upstream_registry_reader.h"
#include "proxy/store/database.h"
#include "tests/proxy/assessment/published_image.h"
#include "tests/proxy/assessment/upstream_client.h"
#include "tests/support/peers.h"

namespace portcullis::proxy::assessment {
namespace {

using namespace portcullis::testsupport;

bool has_sshd_finding(const policy::ImageFacts& facts) {
  if (!facts.content) return false;
  for (const auto& f : facts.content->findings)
    if (f.detector == "sshServer" && f.path == "/usr/sbin/sshd") return true;
  return false;
}

size_t count(const std::vector<AccessLogEntry>& log, std::string_view method,
             std::string_view path_part) {
  size_t n = 0;
  for (const auto& e : log)
    if (e.method == method && e.path().find(path_part) != std::string::npos) ++n;
  return n;
}

// The daemon's side: the upstream client and the stores on LMDB.
class Daemon {
 public:
  Daemon(const std::string& registry_url, const std::string& db_path,
         std::optional<upstream::Credentials> credentials = std::nullopt)
      : client_(registry_url, std::move(credentials)),
        db_(store::Database::open(
            {.path = db_path, .map_size = 256u << 20, .sync = store::SyncMode::none})),
        facts_(store::make_lmdb_facts_store(db_, {})),
        manifests_(store::make_lmdb_manifest_store(db_, {})),
        assessor_(std::make_unique<Assessor>(*facts_, *manifests_)) {}
  ~Daemon() { assessor_.reset(); }  // before the io_context its callers run on

  // The proxy's way in: a coroutine on the I/O threads.
  Result<AssessmentPtr> assess(const std::string& repository, const std::string& digest) {
    auto future = asio::co_spawn(
        client_.ioc(),
        assessor_->async_assess("upstream", repository, digest, client_.shared_reader()),
        asio::use_future);
    return future.get();
  }

  UpstreamRegistryReader& reader() { return client_.reader(); }
  upstream::ConnectionPool& pool() { return client_.pool(); }
  upstream::RegistryAuth& auth() { return client_.auth(); }
  Assessor& assessor() { return *assessor_; }
  store::ManifestStore& manifests() { return *manifests_; }

 private:
  testing::UpstreamClient client_;
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::FactsStore> facts_;
  std::unique_ptr<store::ManifestStore> manifests_;
  std::unique_ptr<Assessor> assessor_;
};

class AssessmentE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new DockerRegistry();
    dir_ = new TempDir("assessment-e2e");
    // sshd in a gzip layer, then 3 MiB of incompressible bytes: a dozen chunks.
    OciLayoutBuilder builder(*dir_ / "layout", {.seed = 7});
    builder.add_layer(testing::sshd_entries()).add_random_layer(3 << 20);
    image_ = new BuiltImage(builder.build("v1"));
    auto push =
        skopeo_copy(image_->oci_ref(), "docker://" + registry_->host_port() + "/apps/web:v1");
    ASSERT_TRUE(push.ok()) << push.describe();
  }
  static void TearDownTestSuite() {
    delete image_;
    delete registry_;
    delete dir_;
  }

  static DockerRegistry* registry_;
  static TempDir* dir_;
  static BuiltImage* image_;
  TempDir db_{"assessment-db"};
};

DockerRegistry* AssessmentE2E::registry_ = nullptr;
TempDir* AssessmentE2E::dir_ = nullptr;
BuiltImage* AssessmentE2E::image_ = nullptr;

TEST_F(AssessmentE2E, FindsSshdAndSecondAssessmentFetchesNoBlobs) {
  registry_->clear_access_log();
  {
    Daemon daemon(registry_->url(), db_ / "lmdb");
    auto a = daemon.assess("apps/web", image_->manifest_digest);
    ASSERT_TRUE(a) << a.error().message;
    const Assessment& got = **a;
    EXPECT_FALSE(got.facts.assessment_error) << *got.facts.assessment_error;
    EXPECT_TRUE(has_sshd_finding(got.facts));
    EXPECT_EQ(got.manifest.layers.size(), 2u);
    EXPECT_TRUE(got.cached);
    // Stored byte for byte, for by-digest GETs without the upstream.
    auto stored = daemon.manifests().get(image_->manifest_digest);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->bytes, image_->manifest);
    // Bodies read to the end go back to the pool.
    EXPECT_GE(daemon.pool().idle_count(), 1u);

    auto log = registry_->wait_for_access_log(
        [](const auto& l) { return count(l, "GET", "/blobs/") >= 3; });
    EXPECT_EQ(count(log, "GET", "/apps/web/manifests/" + image_->manifest_digest), 1u);
    EXPECT_EQ(count(log, "GET", "/apps/web/blobs/"), 3u);  // config and two layers, once each
  }

  // A restart: new daemon, same LMDB directory.
  registry_->clear_access_log();
  Daemon daemon(registry_->url(), db_ / "lmdb");
  auto a = daemon.assess("apps/web", image_->manifest_digest);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE((*a)->from_cache);
  EXPECT_TRUE(has_sshd_finding((*a)->facts));
  // A marker request: once the registry logged it, it logged everything before it.
  auto marker = daemon.reader().manifest("apps/web", "v1", 1 << 20);
  ASSERT_TRUE(marker) << marker.error().message;
  EXPECT_EQ(marker->digest, image_->manifest_digest);
  auto log = registry_->wait_for_access_log(
      [](const auto& l) { return count(l, "GET", "/apps/web/manifests/v1") == 1; });
  EXPECT_EQ(count(log, "GET", "/blobs/"), 0u);
  EXPECT_EQ(count(log, "GET", "/manifests/"), 1u);  // the marker only
}

TEST_F(AssessmentE2E, BlobStreamsInChunksAndFailsWhenLongerThanAllowed) {
  Daemon daemon(registry_->url(), db_ / "lmdb");
  std::thread worker([&] {
    const auto& big = image_->layers[1];
    auto source = daemon.reader().blob("apps/web", big.digest, UINT64_MAX);
    ASSERT_TRUE(source);
    std::vector<std::byte> buf(100 * 1000);
    uint64_t total = 0;
    size_t reads = 0;
    for (;;) {
      auto n = (*source)->read(buf);
      ASSERT_TRUE(n) << n.error().message;
      if (*n == 0) break;
      EXPECT_LE(*n, buf.size());
      total += *n;
      ++reads;
    }
    EXPECT_EQ(total, big.size);
    EXPECT_GE(reads, big.size / buf.size());

    auto bounded = daemon.reader().blob("apps/web", big.digest, 1000);
    ASSERT_TRUE(bounded);
    auto n = (*bounded)->read(buf);
    ASSERT_FALSE(n);
    EXPECT_NE(n.error().message.find("more than 1000"), std::string::npos) << n.error().message;

    auto missing = daemon.reader().blob("apps/web", "sha256:" + std::string(64, '0'), UINT64_MAX);
    ASSERT_TRUE(missing);  // the request is made by the first read
    auto m = (*missing)->read(buf);
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message.find("answered 404"), std::string::npos) << m.error().message;
  });
  worker.join();
}

TEST_F(AssessmentE2E, UnknownManifestIsNotFound) {
  Daemon daemon(registry_->url(), db_ / "lmdb");
  auto a = daemon.assess("apps/web", "sha256:" + std::string(64, '1'));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::not_found);
}

TEST_F(AssessmentE2E, UnreachableUpstreamIsAnErrorNotAFact) {
  Daemon daemon("http://127.0.0.1:" + std::to_string(free_port()), db_ / "lmdb");
  auto a = daemon.assess("apps/web", image_->manifest_digest);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::upstream);
  EXPECT_EQ(daemon.assessor().cached(image_->manifest_digest), nullptr);
}

TEST_F(AssessmentE2E, ReadsThroughBearerTokenAuth) {
  TokenServer tokens;
  DockerRegistry registry({.auth = RegistryAuth::Token(tokens)});
  auto push = skopeo_copy(image_->oci_ref(), "docker://" + registry.host_port() + "/team/app:v1",
                          {.dest_creds = "tokenuser:tokenpass"});
  ASSERT_TRUE(push.ok()) << push.describe();
  Daemon daemon(registry.url(), db_ / "lmdb", upstream::Credentials{"tokenuser", "tokenpass"});
  auto a = daemon.assess("team/app", image_->manifest_digest);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(has_sshd_finding((*a)->facts));
  EXPECT_EQ(daemon.auth().token_requests(), 1u);  // one pull token, reused for every blob

  Daemon anonymous(registry.url(), db_ / "lmdb2");
  auto refused = anonymous.assess("team/app", image_->manifest_digest);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().code, Errc::not_found) << refused.error().message;
}

}  // namespace
}  // namespace portcullis::proxy::assessment
