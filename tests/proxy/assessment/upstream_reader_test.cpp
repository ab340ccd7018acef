// UpstreamRegistryReader against a scripted server: auth retries, redirects,
// chunked and broken transfers.
#include "proxy/assessment/upstream_registry_reader.h"

#include <gtest/gtest.h>

#include <thread>

#include "proxy/store/digest.h"
#include "tests/proxy/assessment/scripted_server.h"
#include "tests/proxy/assessment/upstream_client.h"

namespace portcullis::proxy::assessment {
namespace {

using testing::Reply;
using testing::ScriptedServer;
using testing::SeenRequest;
using Client = testing::UpstreamClient;

const std::string kDigest = "sha256:" + std::string(64, 'a');
const std::string kBlobPath = "/v2/apps/web/blobs/" + kDigest;

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

Reply base_ok(const SeenRequest& r) { return Reply{}; }

TEST(UpstreamRegistryReader, StreamsABlobInChunksAndReusesTheConnection) {
  const std::string body = pattern(1 << 20);
  ScriptedServer server([&](const SeenRequest& r) {
    return r.target == kBlobPath ? Reply{.body = body} : base_ok(r);
  });
  Client client(server.url(), std::nullopt, {.chunk_bytes = 64 * 1024});
  std::string error;
  EXPECT_EQ(client.read_blob(kDigest, UINT64_MAX, error, 100'000), body);
  EXPECT_EQ(error, "");
  EXPECT_EQ(client.read_blob(kDigest, UINT64_MAX, error), body);
  // Both blob GETs (and the /v2/ probe) on one kept-alive connection.
  EXPECT_EQ(client.pool().idle_count(), 1u);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(UpstreamRegistryReader, AbandonedTransferIsClosedNotReused) {
  const std::string body = pattern(4 << 20);
  ScriptedServer server([&](const SeenRequest& r) {
    return r.target == kBlobPath ? Reply{.body = body} : base_ok(r);
  });
  Client client(server.url(), std::nullopt, {.chunk_bytes = 64 * 1024});
  std::thread([&] {
    for (int i = 0; i < 20; ++i) {  // abandoned at once, after one chunk, after a few
      auto source = client.reader().blob("apps/web", kDigest, UINT64_MAX);
      ASSERT_TRUE(source);
      std::vector<std::byte> buf(4096);
      for (int reads = 0; reads < i % 3 * 20; ++reads) ASSERT_TRUE((*source)->read(buf));
    }
  }).join();
  std::string error;
  EXPECT_EQ(client.read_blob(kDigest, UINT64_MAX, error), body);  // a clean connection
  EXPECT_EQ(error, "");
  EXPECT_LE(client.pool().idle_count(), 1u);
}

TEST(UpstreamRegistryReader, ChunkedBody) {
  const std::string body = pattern(300'000);
  ScriptedServer server([&](const SeenRequest& r) {
    return r.target == kBlobPath ? Reply{.body = body, .chunked = true} : base_ok(r);
  });
  Client client(server.url());
  std::string error;
  EXPECT_EQ(client.read_blob(kDigest, UINT64_MAX, error), body);
  EXPECT_EQ(error, "");
}

TEST(UpstreamRegistryReader, BrokenTransferIsAnErrorNeverAShortBlob) {
  ScriptedServer server([&](const SeenRequest& r) {
    return r.target == kBlobPath ? Reply{.body = pattern(100'000), .truncate_at = 50'000}
                                 : base_ok(r);
  });
  Client client(server.url());
  std::string error;
  auto got = client.read_blob(kDigest, UINT64_MAX, error);
  EXPECT_LT(got.size(), 100'000u);
  EXPECT_NE(error.find("GET " + kBlobPath + ": the transfer broke"), std::string::npos) << error;
}

TEST(UpstreamRegistryReader, RetriesOnceAfterA401WithFreshCredentials) {
  ScriptedServer server([&](const SeenRequest& r) {
    if (r.target == "/v2/") return Reply{};  // looks anonymous at first
    if (r.authorization.empty())
      return Reply{.status = 401,
                   .headers = {{"WWW-Authenticate", "Basic realm=\"registry\""}},
                   .body = "{}"};
    return Reply{.body = "blob-bytes"};
  });
  Client client(server.url(), upstream::Credentials{"user", "pass"});
  std::string error;
  EXPECT_EQ(client.read_blob(kDigest, UINT64_MAX, error), "blob-bytes");
  EXPECT_EQ(error, "");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].authorization, "");
  EXPECT_EQ(seen[2].authorization, "Basic dXNlcjpwYXNz");

  auto manifest = client.reader().manifest("apps/web", "v1", 1024);
  ASSERT_TRUE(manifest) << manifest.error().message;
  EXPECT_EQ(manifest->bytes, "blob-bytes");
  EXPECT_EQ(manifest->digest, store::sha256_digest("blob-bytes"));
}

TEST(UpstreamRegistryReader, PersistentRefusalIsUnauthorized) {
  ScriptedServer server([&](const SeenRequest& r) {
    if (r.target == "/v2/") return Reply{};
    return Reply{
        .status = 401, .headers = {{"WWW-Authenticate", "Basic realm=\"registry\""}}, .body = "{}"};
  });
  Client client(server.url(), upstream::Credentials{"user", "wrong"});
  std::string error;
  client.read_blob(kDigest, UINT64_MAX, error);
  EXPECT_NE(error.find("answered 401 (the configured credentials were refused)"), std::string::npos)
      << error;
  auto manifest = client.reader().manifest("apps/web", "v1", 1024);
  ASSERT_FALSE(manifest);
  EXPECT_EQ(manifest.error().code, Errc::unauthorized);
  EXPECT_EQ(server.requests().size(), 5u);  // probe, then two tries each
}

TEST(UpstreamRegistryReader, FollowsRedirectsToStorageWithoutCredentials) {
  ScriptedServer elsewhere([&](const SeenRequest&) { return Reply{.body = "from-storage"}; });
  ScriptedServer server([&](const SeenRequest& r) {
    if (r.target == kBlobPath)
      return Reply{.status = 307, .headers = {{"Location", "/storage/blob?sig=1"}}};
    if (r.target == "/storage/blob?sig=1") return Reply{.body = "stored-bytes"};
    if (r.target == "/v2/apps/web/blobs/" + std::string("sha256:") + std::string(64, 'b'))
      return Reply{.status = 302, .headers = {{"Location", elsewhere.url() + "/x"}}};
    if (r.target == "/loop") return Reply{.status = 307, .headers = {{"Location", "/loop"}}};
    if (r.target == "/v2/apps/web/blobs/" + std::string("sha256:") + std::string(64, 'c'))
      return Reply{.status = 307, .headers = {{"Location", "/loop"}}};
    if (r.target == "/v2/apps/web/blobs/" + std::string("sha256:") + std::string(64, 'd'))
      return Reply{.status = 307, .headers = {{"Location", "ftp://storage.example/blob"}}};
    return base_ok(r);
  });
  Client client(server.url(), upstream::Credentials{"user", "pass"});
  std::string error;
  EXPECT_EQ(client.read_blob(kDigest, UINT64_MAX, error), "stored-bytes");
  EXPECT_EQ(error, "");

  // Storage on another origin (S3, a CDN): followed, and the credentials stay behind.
  EXPECT_EQ(client.read_blob("sha256:" + std::string(64, 'b'), UINT64_MAX, error), "from-storage");
  EXPECT_EQ(error, "");
  ASSERT_EQ(elsewhere.requests().size(), 1u);
  EXPECT_EQ(elsewhere.requests()[0].target, "/x");
  EXPECT_EQ(elsewhere.requests()[0].authorization, "");

  client.read_blob("sha256:" + std::string(64, 'd'), UINT64_MAX, error);
  EXPECT_NE(error.find("neither the upstream nor https storage"), std::string::npos) << error;

  client.read_blob("sha256:" + std::string(64, 'c'), UINT64_MAX, error);
  EXPECT_NE(error.find("too many redirects"), std::string::npos) << error;
}

TEST(UpstreamRegistryReader, SizeLimitsAndStatuses) {
  ScriptedServer server([&](const SeenRequest& r) {
    if (r.target == kBlobPath) return Reply{.body = pattern(5000)};
    if (r.target == "/v2/apps/web/manifests/big") return Reply{.body = pattern(5000)};
    if (r.target == "/v2/apps/web/manifests/flaky") return Reply{.status = 503};
    if (r.target == "/v2/") return Reply{};
    return Reply{.status = 404};
  });
  Client client(server.url());
  std::string error;
  client.read_blob(kDigest, 4999, error);
  EXPECT_NE(error.find("the blob is 5000 bytes, more than 4999"), std::string::npos) << error;
  EXPECT_EQ(client.read_blob(kDigest, 5000, error).size(), 5000u);

  auto big = client.reader().manifest("apps/web", "big", 4096);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::too_large);
  auto flaky = client.reader().manifest("apps/web", "flaky", 4096);
  ASSERT_FALSE(flaky);
  EXPECT_EQ(flaky.error().code, Errc::upstream);
  EXPECT_EQ(flaky.error().message, "GET /v2/apps/web/manifests/flaky: the upstream answered 503");
  auto missing = client.reader().manifest("apps/web", "nope", 4096);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  auto invalid = client.reader().manifest("apps/../web", "v1", 4096);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, Errc::invalid);
}

TEST(UpstreamRegistryReader, RefusesToBlockAnIoThread) {
  ScriptedServer server(base_ok);
  asio::io_context ioc;
  upstream::ConnectionPool pool(ioc.get_executor(), std::chrono::seconds(1));
  auto origin = upstream::parse_origin(server.url(), nullptr).value();
  upstream::RegistryAuth auth(origin, std::nullopt, pool, {});
  UpstreamRegistryReader reader(ioc.get_executor(), origin, auth, pool);
  std::optional<Result<FetchedManifest>> got;
  asio::post(ioc, [&] { got = reader.manifest("apps/web", "v1", 1024); });
  ioc.run();
  ASSERT_TRUE(got && !*got);
  EXPECT_NE(got->error().message.find("I/O thread"), std::string::npos);
}

TEST(UpstreamRegistryReader, GivesUpWhenTheIoThreadsStop) {
  ScriptedServer server(base_ok);
  asio::io_context ioc;  // never run
  upstream::ConnectionPool pool(ioc.get_executor(), std::chrono::seconds(1));
  auto origin = upstream::parse_origin(server.url(), nullptr).value();
  upstream::RegistryAuth auth(origin, std::nullopt, pool, {});
  UpstreamRegistryReader reader(ioc.get_executor(), origin, auth, pool);
  ioc.stop();
  auto got = reader.manifest("apps/web", "v1", 1024);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::shutting_down);
}

}  // namespace
}  // namespace portcullis::proxy::assessment
