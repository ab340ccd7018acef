// One suite, run against every ManifestStore implementation (LMDB and memory).

#include "proxy/store/manifest_store.h"
#include "proxy/store/digest.h"
#include "proxy/store/record.h"
#include "tests/proxy/store/backends.h"

#include <gtest/gtest.h>

namespace portcullis::proxy::store::testing {
namespace {

constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

// A real-shaped OCI image manifest; `i` varies the layer so each has its own digest.
std::string manifest_of(int i) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1470,)"
         R"("digest":"sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741"},)"
         R"("layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":)" +
         std::to_string(29150000 + i) + R"(,"digest":")" + sha256_digest(std::to_string(i)) +
         R"("}]})";
}

std::uint64_t cost_of(int i) {
  return sha256_digest(manifest_of(i)).size() +
         encode_record(0, 0, kOciManifest, manifest_of(i)).size();
}

template <class Backend>
class ManifestStoreTest : public StoreFixture<Backend, ManifestStore> {
 protected:
  ManifestStoreTest() : StoreFixture<Backend, ManifestStore>("manifests", &make_manifest_store) {}

  Result<void> put(int i) {
    return this->store_->put(sha256_digest(manifest_of(i)), kOciManifest, manifest_of(i));
  }
  Result<StoredManifest> get(int i) { return this->store_->get(sha256_digest(manifest_of(i))); }
};

TYPED_TEST_SUITE(ManifestStoreTest, Backends, BackendNames);

TYPED_TEST(ManifestStoreTest, RoundTripServesTheExactBytesAndMediaType) {
  this->clock_.set(1717200000);
  const std::string digest = sha256_digest(manifest_of(1));
  ASSERT_TRUE(this->put(1));

  auto got = this->store_->get(digest);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->bytes, manifest_of(1));
  EXPECT_EQ(got->info.media_type, kOciManifest);
  EXPECT_EQ(got->info.size, manifest_of(1).size());
  EXPECT_EQ(got->info.stored_at, 1717200000);
  auto info = this->store_->stat(digest);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->media_type, kOciManifest);
  EXPECT_EQ(info->size, manifest_of(1).size());
  EXPECT_EQ(this->store_->has(digest).value(), true);
}

TYPED_TEST(ManifestStoreTest, MissingDigestIsNotFound) {
  const std::string digest = sha256_digest(manifest_of(2));
  auto got = this->store_->get(digest);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, StoreErrc::not_found);
  EXPECT_EQ(got.error().message, "no manifest " + digest);
  EXPECT_EQ(this->store_->stat(digest).error().code, StoreErrc::not_found);
  EXPECT_EQ(this->store_->has(digest).value(), false);
}

TYPED_TEST(ManifestStoreTest, RefusesBytesThatDoNotMatchTheDigest) {
  const std::string claimed = sha256_digest(manifest_of(1));
  auto put = this->store_->put(claimed, kOciManifest, manifest_of(2));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, StoreErrc::digest_mismatch);
  EXPECT_EQ(put.error().message,
            "content is " + sha256_digest(manifest_of(2)) + ", not " + claimed);
  EXPECT_EQ(this->store_->has(claimed).value(), false);
  EXPECT_EQ(this->store_->stats()->entries, 0u);
}

TYPED_TEST(ManifestStoreTest, VerifiesSha512Digests) {
  // sha512 of the empty string.
  const std::string empty512 =
      "sha512:"
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318"
      "d2877eec2f63b931bd47417a81a538327af927da3e";
  ASSERT_TRUE(this->store_->put(empty512, kOciManifest, ""));
  EXPECT_EQ(this->store_->get(empty512)->bytes, "");
  EXPECT_EQ(this->store_->put(empty512, kOciManifest, "x").error().code,
            StoreErrc::digest_mismatch);
}

TYPED_TEST(ManifestStoreTest, RejectsMalformedDigestsAndMediaTypes) {
  const std::string digest = sha256_digest(manifest_of(1));
  for (const std::string& bad :
       {std::string("sha256:"), digest.substr(0, 70), "SHA256:" + digest.substr(7),
        "sha256:" + std::string(64, 'G'), std::string("latest")}) {
    EXPECT_EQ(this->store_->put(bad, kOciManifest, manifest_of(1)).error().code,
              StoreErrc::invalid_argument)
        << bad;
    EXPECT_EQ(this->store_->get(bad).error().code, StoreErrc::invalid_argument) << bad;
  }
  for (const std::string& bad : {std::string(), std::string(kMaxMediaType + 1, 'a'),
                                 std::string("text/plain\r\nX-Evil: 1")}) {
    EXPECT_EQ(this->store_->put(digest, bad, manifest_of(1)).error().code,
              StoreErrc::invalid_argument);
  }
}

TYPED_TEST(ManifestStoreTest, RefusesManifestsOverTheSizeLimit) {
  this->open(std::uint64_t{64} << 20);
  const std::string huge(kMaxManifestBytes + 1, ' ');
  auto put = this->store_->put(sha256_digest(huge), kOciManifest, huge);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, StoreErrc::too_large);
}

TYPED_TEST(ManifestStoreTest, PuttingAgainKeepsOneEntryWithTheNewMediaType) {
  const std::string digest = sha256_digest(manifest_of(1));
  ASSERT_TRUE(this->put(1));
  ASSERT_TRUE(this->store_->put(digest, kDockerManifest, manifest_of(1)));
  EXPECT_EQ(this->store_->stat(digest)->media_type, kDockerManifest);
  EXPECT_EQ(this->store_->stats()->entries, 1u);
}

TYPED_TEST(ManifestStoreTest, EvictsTheLeastRecentlyAccessedUnderASmallCap) {
  this->open(3 * cost_of(1) + cost_of(1) / 2);
  for (int i = 1; i <= 3; ++i) {
    this->clock_.set(100 + i);
    ASSERT_TRUE(this->put(i));
  }
  this->clock_.set(110);
  ASSERT_TRUE(this->store_->stat(sha256_digest(manifest_of(1))));  // a HEAD is an access too
  this->clock_.set(111);
  ASSERT_TRUE(this->put(4));

  EXPECT_EQ(this->get(2).error().code, StoreErrc::not_found);
  for (int i : {1, 3, 4}) EXPECT_TRUE(this->get(i)) << i;
  EXPECT_EQ(this->store_->stats()->evictions, 1u);
  EXPECT_EQ(this->store_->stats()->entries, 3u);
}

TYPED_TEST(ManifestStoreTest, StatsCountEntriesBytesAndLookups) {
  ASSERT_TRUE(this->put(1));
  ASSERT_TRUE(this->get(1));
  ASSERT_FALSE(this->get(2));
  auto stats = this->store_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->bytes, cost_of(1));
  EXPECT_EQ(stats->hits, 1u);
  EXPECT_EQ(stats->misses, 1u);
  EXPECT_EQ(stats->puts, 1u);
}

TYPED_TEST(ManifestStoreTest, ConcurrentReadersAndWritersSeeWholeManifests) {
  constexpr int kWriters = 3, kPerWriter = 40;
  std::atomic<int> bad{0};
  run_threads(2 * kWriters, [&](int t) {
    for (int n = 0; n < kPerWriter; ++n) {
      int i = (t % kWriters) * kPerWriter + n;
      if (t < kWriters) {
        if (!this->put(i)) ++bad;
        continue;
      }
      auto got = this->get(i);
      if (got ? got->bytes != manifest_of(i) : got.error().code != StoreErrc::not_found) ++bad;
    }
  });
  EXPECT_EQ(bad.load(), 0);
  for (int i = 0; i < kWriters * kPerWriter; ++i) EXPECT_TRUE(this->get(i)) << i;
}

TYPED_TEST(ManifestStoreTest, SurvivesAReopen) {
  if constexpr (!TypeParam::kPersistent) {
    GTEST_SKIP() << "in-memory store keeps nothing across a restart";
  } else {
    ASSERT_TRUE(this->put(1));
    this->reopen();
    auto got = this->get(1);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->bytes, manifest_of(1));
    EXPECT_EQ(got->info.media_type, kOciManifest);
    EXPECT_EQ(this->store_->stats()->bytes, cost_of(1));
  }
}

TYPED_TEST(ManifestStoreTest, DamagedStoredBytesAreNeverServed) {
  const std::string digest = sha256_digest(manifest_of(1));
  std::string flipped = manifest_of(1);
  flipped[10] ^= 1;
  const std::string whole = encode_record(1, 0, kOciManifest, manifest_of(1));
  for (const std::string& damaged :
       {encode_record(1, 0, kOciManifest, flipped), whole.substr(0, whole.size() - 3),
        std::string("{}"), encode_record(1, 0, "", manifest_of(1))}) {
    ASSERT_TRUE(this->table_->put(digest, damaged));
    auto got = this->store_->get(digest);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, StoreErrc::corrupt);
    EXPECT_EQ(got.error().message.rfind("stored manifest " + digest + ": ", 0), 0u);
    EXPECT_EQ(this->store_->has(digest).value(), false);  // erased
  }
  ASSERT_TRUE(this->put(1));  // a fresh fetch heals it
  EXPECT_EQ(this->get(1)->bytes, manifest_of(1));
}

}  // namespace
}  // namespace portcullis::proxy::store::testing
