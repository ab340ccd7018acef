#include "proxy/assessment/assessor.h"

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <thread>

#include "policy/facts_json.h"
#include "proxy/assessment/facts_codec.h"
#include "proxy/store/database.h"
#include "scanner-adapters/image_inspector.h"
#include "scanner-adapters/layer_reader.h"
#include "tests/proxy/assessment/published_image.h"

namespace portcullis::proxy::assessment {
namespace {

using testing::build_image;
using testing::publish;
using testing::sshd_entries;
using testsupport::TarEntry;
using testsupport::TempDir;

constexpr const char* kRepo = "apps/web";
constexpr const char* kUpstream = "registry.corp.example";

bool eventually(const std::function<bool()>& pred,
                std::chrono::seconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool has_sshd_finding(const policy::ImageFacts& facts) {
  if (!facts.content) return false;
  for (const auto& f : facts.content->findings)
    if (f.detector == "sshServer" && f.path == "/usr/sbin/sshd") return true;
  return false;
}

class AssessorTest : public ::testing::Test {
 protected:
  Assessor& assessor() {
    if (!assessor_) assessor_ = std::make_unique<Assessor>(*facts_, *manifests_, options_);
    return *assessor_;
  }
  Result<AssessmentPtr> assess(const std::string& digest) {
    return assessor().assess(kUpstream, kRepo, digest, fake_);
  }
  testsupport::BuiltImage publish_sshd_image() {
    auto image = build_image(dir_ / "layout", {sshd_entries()});
    publish(fake_, kRepo, image);
    return image;
  }

  TempDir dir_;
  FakeRegistryReader fake_;
  std::unique_ptr<store::FactsStore> facts_ = store::make_memory_facts_store();
  std::unique_ptr<store::ManifestStore> manifests_ = store::make_memory_manifest_store();
  AssessorOptions options_;
  std::unique_ptr<Assessor> assessor_;
};

TEST_F(AssessorTest, InspectsEveryLayerStoresManifestAndFacts) {
  auto image = publish_sshd_image();
  auto a = assess(image.manifest_digest);
  ASSERT_TRUE(a) << a.error().message;
  const Assessment& got = **a;
  EXPECT_EQ(got.facts.manifest_digest, image.manifest_digest);
  EXPECT_FALSE(got.facts.assessment_error) << *got.facts.assessment_error;
  EXPECT_TRUE(has_sshd_finding(got.facts));
  EXPECT_EQ(got.facts.content->os_release.at("ID"), "debian");
  EXPECT_EQ(got.manifest.kind, ManifestKind::image);
  EXPECT_EQ(got.manifest.config.digest, image.config_digest);
  ASSERT_EQ(got.manifest.layers.size(), 1u);
  EXPECT_EQ(got.manifest.layers[0].digest, image.layers[0].digest);
  EXPECT_EQ(got.manifest.referenced_digests(),
            (std::vector<std::string>{image.config_digest, image.layers[0].digest}));
  EXPECT_TRUE(got.cached);
  EXPECT_FALSE(got.from_cache);

  // The manifest is kept byte for byte, so a by-digest GET needs no upstream.
  auto stored = manifests_->get(image.manifest_digest);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->bytes, image.manifest);
  EXPECT_EQ(stored->info.media_type, testing::kOciManifestType);
  // The facts are under the scanner revision without vulnerability data.
  auto record =
      facts_->get({image.manifest_digest, std::string(scanner::kScannerRevision) + "|novulndb"});
  ASSERT_TRUE(record);
  EXPECT_EQ(record->meta.encoding_version, kFactsEncodingVersion);
  EXPECT_EQ(assessor().stats().runs, 1u);
  EXPECT_EQ(fake_.manifest_requests(), 1u);
  EXPECT_EQ(fake_.blob_requests(), 2u);  // config and one layer
}

TEST_F(AssessorTest, CacheHitMakesNoRegistryRequests) {
  auto image = publish_sshd_image();
  ASSERT_TRUE(assess(image.manifest_digest));
  const size_t before = fake_.requests();

  auto again = assess(image.manifest_digest);
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)->from_cache);
  EXPECT_TRUE(has_sshd_finding((*again)->facts));
  EXPECT_EQ(fake_.requests(), before);

  // A new Assessor (empty memory cache) over the same stores: still no requests.
  assessor_.reset();
  auto fresh = assess(image.manifest_digest);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE((*fresh)->from_cache);
  EXPECT_TRUE(has_sshd_finding((*fresh)->facts));
  EXPECT_EQ(fake_.requests(), before);
  EXPECT_EQ(assessor().stats().runs, 0u);
  EXPECT_EQ(assessor().stats().cache_hits, 1u);
}

TEST_F(AssessorTest, CachedOnlyLooksAtTheCache) {
  auto image = publish_sshd_image();
  EXPECT_EQ(assessor().cached(image.manifest_digest), nullptr);
  ASSERT_TRUE(assess(image.manifest_digest));
  auto hit = assessor().cached(image.manifest_digest);
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(has_sshd_finding(hit->facts));
}

TEST_F(AssessorTest, FactsSurviveARestartOnLmdb) {
  auto image = publish_sshd_image();
  const std::string db_path = dir_ / "db";
  policy::ImageFacts first;
  {
    auto db = store::Database::open(
        {.path = db_path, .map_size = 64u << 20, .sync = store::SyncMode::none});
    auto facts = store::make_lmdb_facts_store(db, {});
    auto manifests = store::make_lmdb_manifest_store(db, {});
    Assessor assessor(*facts, *manifests);
    auto a = assessor.assess(kUpstream, kRepo, image.manifest_digest, fake_);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE((*a)->cached);
    first = (*a)->facts;
  }
  auto db = store::Database::open(
      {.path = db_path, .map_size = 64u << 20, .sync = store::SyncMode::none});
  auto facts = store::make_lmdb_facts_store(db, {});
  auto manifests = store::make_lmdb_manifest_store(db, {});
  Assessor assessor(*facts, *manifests);
  FakeRegistryReader empty;  // the restarted daemon's upstream knows nothing: a hit must not ask
  auto a = assessor.assess(kUpstream, kRepo, image.manifest_digest, empty);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE((*a)->from_cache);
  EXPECT_EQ(empty.requests(), 0u);
  EXPECT_EQ(policy::facts_to_json((*a)->facts), policy::facts_to_json(first));
  EXPECT_EQ((*a)->manifest.layers[0].digest, image.layers[0].digest);
  auto stored = manifests->get(image.manifest_digest);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->bytes, image.manifest);
}

TEST_F(AssessorTest, TenConcurrentCallersShareOneRun) {
  auto image = publish_sshd_image();
  Assessor& shared = assessor();
  fake_.hold_blobs();
  std::vector<std::future<Result<AssessmentPtr>>> calls;
  for (int i = 0; i < 10; ++i)
    calls.push_back(std::async(std::launch::async, [&] {
      return shared.assess(kUpstream, kRepo, image.manifest_digest, fake_);
    }));
  ASSERT_TRUE(eventually([&] { return assessor().stats().joined == 9; }));
  EXPECT_EQ(assessor().stats().in_flight, 1u);
  fake_.release_blobs();
  AssessmentPtr first;
  for (auto& c : calls) {
    auto r = c.get();
    ASSERT_TRUE(r) << r.error().message;
    if (!first) first = *r;
    EXPECT_EQ(*r, first);  // one Assessment, shared
  }
  EXPECT_TRUE(has_sshd_finding(first->facts));
  EXPECT_EQ(assessor().stats().runs, 1u);
  EXPECT_EQ(assessor().stats().in_flight, 0u);
  EXPECT_EQ(fake_.manifest_requests(), 1u);
}

TEST_F(AssessorTest, AsyncCallersWaitWithoutBlockingIoThreads) {
  auto image = publish_sshd_image();
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> io_threads;
  for (int i = 0; i < 2; ++i) io_threads.emplace_back([&] { ioc.run(); });

  fake_.hold_blobs();
  std::shared_ptr<RegistryReader> reader(std::shared_ptr<RegistryReader>(), &fake_);
  std::vector<std::future<Result<AssessmentPtr>>> calls;
  for (int i = 0; i < 10; ++i)
    calls.push_back(asio::co_spawn(
        ioc, assessor().async_assess(kUpstream, kRepo, image.manifest_digest, reader),
        asio::use_future));
  ASSERT_TRUE(eventually([&] { return assessor().stats().joined == 9; }));
  // Ten coroutines are parked, yet both I/O threads are free.
  for (int i = 0; i < 4; ++i) {
    auto ping = asio::post(ioc, asio::use_future([] { return 42; }));
    ASSERT_EQ(ping.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  }
  fake_.release_blobs();
  for (auto& c : calls) {
    ASSERT_EQ(c.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    auto r = c.get();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(has_sshd_finding((*r)->facts));
  }
  EXPECT_EQ(assessor().stats().runs, 1u);

  // A hit completes without the pool.
  auto hit =
      asio::co_spawn(ioc, assessor().async_assess(kUpstream, kRepo, image.manifest_digest, reader),
                     asio::use_future);
  ASSERT_EQ(hit.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(hit.get().value()->from_cache);
  work.reset();
  for (auto& t : io_threads) t.join();
}

TEST_F(AssessorTest, DifferentUpstreamsRunSeparatelyButShareTheCache) {
  auto image = publish_sshd_image();
  ASSERT_TRUE(assessor().assess("one", kRepo, image.manifest_digest, fake_));
  auto other = assessor().assess("two", kRepo, image.manifest_digest, fake_);
  ASSERT_TRUE(other);
  EXPECT_TRUE((*other)->from_cache);  // facts are a property of the digest
  EXPECT_EQ(assessor().stats().runs, 1u);
}

TEST_F(AssessorTest, MalformedManifestIsAFactAndCached) {
  const std::string digest =
      fake_.add_manifest(kRepo, "{\"schemaVersion\": 2, \"layers\": [", testing::kOciManifestType);
  auto a = assess(digest);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE((*a)->facts.assessment_error);
  EXPECT_EQ(*(*a)->facts.assessment_error,
            "manifest " + digest + ": the manifest is not valid JSON");
  EXPECT_FALSE((*a)->facts.content);
  EXPECT_EQ((*a)->manifest.kind, ManifestKind::unknown);
  EXPECT_TRUE((*a)->cached);
  EXPECT_FALSE(manifests_->get(digest));  // never served from the store

  const size_t before = fake_.requests();
  auto again = assess(digest);
  ASSERT_TRUE(again);
  EXPECT_EQ(*(*again)->facts.assessment_error, *(*a)->facts.assessment_error);
  EXPECT_EQ(fake_.requests(), before);
}

TEST_F(AssessorTest, SchemaOneIsRefusedWithAReason) {
  const std::string digest =
      fake_.add_manifest(kRepo, R"({"schemaVersion": 1, "name": "apps/web", "fsLayers": []})",
                         "application/vnd.docker.distribution.manifest.v1+prettyjws");
  auto a = assess(digest);
  ASSERT_TRUE(a);
  EXPECT_EQ(*(*a)->facts.assessment_error,
            "manifest " + digest +
                ": Docker schema 1 manifests are not supported (deprecated and unsigned)");
}

TEST_F(AssessorTest, LayerDigestMismatchNamesTheLayerAndIsNotCached) {
  auto image = build_image(dir_ / "layout", {sshd_entries()}, testsupport::Compression::None);
  publish(fake_, kRepo, image);
  // Same length, one byte changed inside sshd's content: the tar still parses.
  std::string tampered = testsupport::read_file(image.blob_path(image.layers[0].digest));
  const auto at = tampered.find(std::string(64, 'A'));
  ASSERT_NE(at, std::string::npos);
  tampered[at] = 'B';
  fake_.add_blob(kRepo, tampered, image.layers[0].digest);

  auto a = assess(image.manifest_digest);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE((*a)->facts.assessment_error);
  const std::string& error = *(*a)->facts.assessment_error;
  EXPECT_NE(error.find(scanner::layer_label(image.layers[0].digest)), std::string::npos) << error;
  EXPECT_NE(error.find("digest mismatch"), std::string::npos) << error;
  EXPECT_FALSE((*a)->facts.content);  // nothing from untrusted bytes
  EXPECT_FALSE((*a)->cached);

  // The upstream may serve the right bytes next time: assessed again.
  publish(fake_, kRepo, image);
  auto again = assess(image.manifest_digest);
  ASSERT_TRUE(again);
  EXPECT_FALSE((*again)->facts.assessment_error);
  EXPECT_TRUE(has_sshd_finding((*again)->facts));
  EXPECT_EQ(assessor().stats().runs, 2u);
}

TEST_F(AssessorTest, BrokenLimitNamesLayerAndLimitAndIsCached) {
  options_.limits.scanner.max_entries_per_layer = 3;
  auto image = publish_sshd_image();  // five entries
  auto a = assess(image.manifest_digest);
  ASSERT_TRUE(a);
  ASSERT_TRUE((*a)->facts.assessment_error);
  const std::string& error = *(*a)->facts.assessment_error;
  EXPECT_NE(error.find(scanner::layer_label(image.layers[0].digest)), std::string::npos) << error;
  EXPECT_NE(error.find("exceeds the entry limit"), std::string::npos) << error;
  EXPECT_TRUE((*a)->cached);
  const size_t before = fake_.requests();
  ASSERT_TRUE(assess(image.manifest_digest));
  EXPECT_EQ(fake_.requests(), before);
}

TEST_F(AssessorTest, OversizedLayerIsRefusedBeforeItIsFetched) {
  options_.limits.scanner.max_compressed_bytes = 64;
  auto image = publish_sshd_image();
  auto a = assess(image.manifest_digest);
  ASSERT_TRUE(a);
  ASSERT_TRUE((*a)->facts.assessment_error);
  EXPECT_NE((*a)->facts.assessment_error->find("exceeds the compressed size limit"),
            std::string::npos)
      << *(*a)->facts.assessment_error;
}

TEST_F(AssessorTest, IndexIsRecordedWithItsChildrenAndNoContent) {
  auto amd64 = publish_sshd_image();
  const std::string arm64_digest = "sha256:" + std::string(64, 'b');
  nlohmann::json index = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.index.v1+json"},
      {"manifests",
       {{{"mediaType", testing::kOciManifestType},
         {"digest", amd64.manifest_digest},
         {"size", amd64.manifest.size()},
         {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}},
        {{"mediaType", testing::kOciManifestType},
         {"digest", arm64_digest},
         {"size", 1234},
         {"platform", {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}}}}}};
  const std::string digest =
      fake_.add_manifest(kRepo, index.dump(), "application/vnd.oci.image.index.v1+json");
  auto a = assess(digest);
  ASSERT_TRUE(a) << a.error().message;
  const Assessment& got = **a;
  EXPECT_EQ(got.manifest.kind, ManifestKind::index);
  EXPECT_FALSE(got.facts.content);
  EXPECT_FALSE(got.facts.assessment_error);
  ASSERT_EQ(got.manifest.children.size(), 2u);
  EXPECT_EQ(got.manifest.children[0].descriptor.digest, amd64.manifest_digest);
  EXPECT_EQ(got.manifest.children[1].platform, (Platform{"linux", "arm64", "v8"}));
  EXPECT_EQ(got.manifest.referenced_digests(),
            (std::vector<std::string>{amd64.manifest_digest, arm64_digest}));
  EXPECT_EQ(fake_.blob_requests(), 0u);  // children are judged when requested
  EXPECT_TRUE(got.cached);
  EXPECT_TRUE(manifests_->get(digest));

  assessor_.reset();
  auto hit = assess(digest);
  ASSERT_TRUE(hit);
  EXPECT_TRUE((*hit)->from_cache);
  EXPECT_EQ((*hit)->manifest, got.manifest);
}

TEST_F(AssessorTest, UpstreamFailureIsAnErrorAndNotCached) {
  auto image = publish_sshd_image();
  fake_.set_blob_error(image.layers[0].digest,
                       make_error(Errc::upstream, "connection reset by peer"));
  auto a = assess(image.manifest_digest);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::upstream);
  EXPECT_NE(a.error().message.find("layer 1 of 1"), std::string::npos) << a.error().message;
  EXPECT_NE(a.error().message.find("connection reset by peer"), std::string::npos)
      << a.error().message;

  fake_.set_blob_error(image.layers[0].digest, std::nullopt);
  auto again = assess(image.manifest_digest);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(has_sshd_finding((*again)->facts));
  EXPECT_EQ(assessor().stats().runs, 2u);
}

TEST_F(AssessorTest, MissingBlobIsAnUpstreamError) {
  auto image = build_image(dir_ / "layout", {sshd_entries()});
  fake_.add_manifest(kRepo, image.manifest, testing::kOciManifestType);
  fake_.add_blob(kRepo, testsupport::read_file(image.blob_path(image.config_digest)));
  auto a = assess(image.manifest_digest);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::upstream);
  EXPECT_NE(a.error().message.find(image.layers[0].digest), std::string::npos) << a.error().message;
}

TEST_F(AssessorTest, UnknownManifestIsNotFound) {
  auto a = assess("sha256:" + std::string(64, 'c'));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::not_found);
}

TEST_F(AssessorTest, MalformedDigestOrRepositoryIsInvalid) {
  auto a = assess("latest");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Errc::invalid);
  auto b = assessor().assess(kUpstream, "../etc", "sha256:" + std::string(64, 'c'), fake_);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::invalid);
}

TEST_F(AssessorTest, ConfigThatDisagreesWithTheLayersIsAFact) {
  auto image = publish_sshd_image();
  nlohmann::json config = nlohmann::json::parse(image.config);
  config["rootfs"]["diff_ids"].push_back("sha256:" + std::string(64, 'd'));
  const std::string config_bytes = config.dump();
  const std::string config_digest = fake_.add_blob(kRepo, config_bytes);
  nlohmann::json manifest = nlohmann::json::parse(image.manifest);
  manifest["config"]["digest"] = config_digest;
  manifest["config"]["size"] = config_bytes.size();
  const std::string digest = fake_.add_manifest(kRepo, manifest.dump(), testing::kOciManifestType);
  auto a = assess(digest);
  ASSERT_TRUE(a);
  EXPECT_EQ(
      *(*a)->facts.assessment_error,
      "image config " + config_digest + " lists 2 layers (rootfs.diff_ids) but the manifest has 1");
}

TEST_F(AssessorTest, ArtifactsThatAreNotImagesSayWhy) {
  auto image = publish_sshd_image();
  nlohmann::json manifest = nlohmann::json::parse(image.manifest);
  manifest["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json";
  const std::string digest = fake_.add_manifest(kRepo, manifest.dump(), testing::kOciManifestType);
  auto a = assess(digest);
  ASSERT_TRUE(a);
  EXPECT_EQ(*(*a)->facts.assessment_error, "manifest " + digest +
                                               " is not a container image (config media type "
                                               "\"application/vnd.cncf.helm.config.v1+json\")");
  EXPECT_EQ(fake_.blob_requests(), 0u);
}

TEST_F(AssessorTest, ShutdownFailsQueuedRunsAndWaitsForRunningOnes) {
  options_.threads = 1;
  auto image = publish_sshd_image();
  auto second = build_image(dir_ / "layout2", {{TarEntry::file("hello", "world")}},
                            testsupport::Compression::Gzip, "v2");
  publish(fake_, kRepo, second);
  fake_.hold_blobs();
  Assessor& doomed = assessor();
  auto running = std::async(std::launch::async, [&] {
    return doomed.assess(kUpstream, kRepo, image.manifest_digest, fake_);
  });
  ASSERT_TRUE(eventually([&] { return assessor().stats().runs == 1; }));
  auto queued = std::async(std::launch::async, [&] {
    return doomed.assess(kUpstream, kRepo, second.manifest_digest, fake_);
  });
  ASSERT_TRUE(eventually([&] { return doomed.stats().in_flight == 2; }));
  auto destroyer = std::async(std::launch::async, [&] { assessor_.reset(); });
  // The destructor waits for the running one, which waits for the held blobs.
  EXPECT_EQ(destroyer.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  fake_.release_blobs();
  destroyer.get();
  auto r1 = running.get();
  ASSERT_TRUE(r1);
  EXPECT_TRUE(has_sshd_finding((*r1)->facts));
  auto r2 = queued.get();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, Errc::shutting_down);
}

}  // namespace
}  // namespace portcullis::proxy::assessment
