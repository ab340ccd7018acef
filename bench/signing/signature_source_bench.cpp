// The cold signature assessment through UpstreamSignatureSource (discover the
// .sig tag, fetch the payload, verify), against the same GET requests made
// directly to the registry with a plain keep-alive client in the same run,
// and the warm call (one HEAD) against a direct HEAD. A local docker-registry
// holds N images, each with one ECDSA P-256 signature.
//
// usage: signature_source_bench [--images N] [--rounds R]   (defaults 200, 3)
//
// Calls are sequential (one in flight), so the figures are latencies; the
// report gives the median over rounds of the per-call mean, and ratios.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "proxy/registry/upstreams.h"
#include "proxy/signatures/upstream_signature_source.h"
#include "signing/digest.h"
#include "signing/keys.h"
#include "signing/sign.h"
#include "tests/support/net.h"
#include "tests/support/registry.h"

namespace {

using namespace portcullis;
using namespace portcullis::proxy;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// User + system CPU seconds of this process (the registry is another process).
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Wall and CPU seconds per image of one timed loop.
struct Sample {
  double wall = 0;
  double cpu = 0;
};

template <class F>
Sample measure(int images, F&& loop) {
  const auto t = Clock::now();
  const double c = cpu_seconds();
  loop();
  return Sample{seconds_since(t) / images, (cpu_seconds() - c) / images};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double median_wall(const std::vector<Sample>& v) {
  std::vector<double> x;
  for (const auto& s : v) x.push_back(s.wall);
  return median(x);
}

double median_cpu(const std::vector<Sample>& v) {
  std::vector<double> x;
  for (const auto& s : v) x.push_back(s.cpu);
  return median(x);
}

// A blocking keep-alive HTTP/1.1 client: the "direct" baseline.
class DirectClient {
 public:
  explicit DirectClient(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket_.set_option(tcp::no_delay(true));
  }
  int request(http::verb verb, const std::string& target, const char* accept = nullptr) {
    http::request<http::empty_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (accept) req.set(http::field::accept, accept);
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (verb == http::verb::head) parser.skip(true);
    http::read(socket_, buffer_, parser);
    return parser.get().result_int();
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string push(const testsupport::DockerRegistry& reg, const std::string& repo,
                 const std::string& bytes, const std::string& digest) {
  testsupport::HttpRequest post;
  post.method = "POST";
  post.port = reg.port();
  post.target = "/v2/" + repo + "/blobs/uploads/";
  auto started = testsupport::http_request(post);
  std::string location = started.header("Location");
  location = location.substr(location.find("/v2/"));
  testsupport::HttpRequest put;
  put.method = "PUT";
  put.port = reg.port();
  put.target =
      location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + digest;
  put.body = bytes;
  put.headers = {{"Content-Type", "application/octet-stream"}};
  auto done = testsupport::http_request(put);
  if (done.status != 201) throw std::runtime_error("upload failed: " + done.body);
  return digest;
}

void put_manifest(const testsupport::DockerRegistry& reg, const std::string& repo,
                  const std::string& ref, const std::string& bytes) {
  testsupport::HttpRequest put;
  put.method = "PUT";
  put.port = reg.port();
  put.target = "/v2/" + repo + "/manifests/" + ref;
  put.body = bytes;
  put.headers = {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}};
  auto done = testsupport::http_request(put);
  if (done.status != 201) throw std::runtime_error("manifest PUT failed: " + done.body);
}

}  // namespace

int main(int argc, char** argv) {
  int images = 200;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--images") images = std::max(1, std::atoi(argv[i + 1]));
    if (std::string(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
  }
  const std::string keys = std::string(PORTCULLIS_SOURCE_DIR) + "/tests/fixtures/keys/";
  auto priv = signing::load_private_key_file(keys + "ci-ecdsa-p256.key", std::nullopt).value();

  testsupport::DockerRegistry registry;
  const std::string repo = "bench/app";
  std::printf("pushing %d signed images to docker-registry at %s...\n", images,
              registry.url().c_str());
  std::vector<std::string> digests;
  std::vector<signing::SignatureArtifacts> sigs;
  std::mt19937_64 rng(42);
  for (int i = 0; i < images; ++i) {
    // The image manifest itself need not exist for discovery; a unique digest is enough.
    const std::string manifest = "{\"image\":" + std::to_string(rng()) + "}";
    const std::string digest = signing::sha256_digest(manifest);
    auto a =
        signing::build_signature_artifacts(digest, "registry.corp.example/" + repo, priv).value();
    push(registry, repo, a.payload, a.payload_digest);
    push(registry, repo, a.config, a.config_digest);
    put_manifest(registry, repo, a.tag, a.manifest);
    digests.push_back(digest);
    sigs.push_back(std::move(a));
  }

  asio::io_context ioc;
  upstream::ConnectionPool pool(ioc.get_executor(), std::chrono::seconds(5));
  config::Upstream cfg;
  cfg.name = "registry.corp.example";
  cfg.url = registry.url();
  proxy::registry::Upstreams upstreams({cfg}, pool, upstream::FetchLimits{});
  auto& up = upstreams.at(0);
  signatures::UpstreamSignatureSource source(pool, signatures::fixed_keys({priv.public_key()}));
  auto run = [&](auto task) {
    auto f = asio::co_spawn(ioc, std::move(task), asio::use_future);
    ioc.restart();
    ioc.run();
    return f.get();
  };
  // Learn the auth scheme and the referrers answer once (per upstream, not per image).
  run(source.signatures(up, repo, digests[0])).value();

  std::vector<Sample> cold, warm, direct_cold, direct_warm;
  for (int r = 0; r < rounds; ++r) {
    source.clear_cache();
    run(source.signatures(up, repo, digests[0])).value();  // referrers memo again
    bool ok = true;
    cold.push_back(measure(images, [&] {
      for (size_t i = 1; i < digests.size(); ++i) {
        auto f = run(source.signatures(up, repo, digests[i]));
        ok = ok && f && f->verified.size() == 1;
      }
    }));
    warm.push_back(measure(images, [&] {
      for (const auto& d : digests) {
        auto f = run(source.signatures(up, repo, d));
        ok = ok && f && f->verified.size() == 1;
      }
    }));
    DirectClient direct(registry.port());
    direct_cold.push_back(measure(images, [&] {
      for (size_t i = 1; i < digests.size(); ++i) {
        const auto& a = sigs[i];
        ok = ok &&
             direct.request(http::verb::get, "/v2/" + repo + "/manifests/" + a.tag,
                            "application/vnd.oci.image.manifest.v1+json") == 200 &&
             direct.request(http::verb::get, "/v2/" + repo + "/blobs/" + a.payload_digest) == 200;
      }
    }));
    direct_warm.push_back(measure(images, [&] {
      for (const auto& a : sigs)
        ok = ok && direct.request(http::verb::head, "/v2/" + repo + "/manifests/" + a.tag,
                                  "application/vnd.oci.image.manifest.v1+json") == 200;
    }));
    if (!ok) {
      std::fprintf(stderr, "a request or verification failed\n");
      return 1;
    }
  }
  const auto s = source.stats();
  std::printf(
      "\nper image, sequential, median of %d rounds (%d images each); CPU is this process only\n",
      rounds, images);
  std::printf("%-50s %14s %12s %7s %14s %12s\n", "", "portcullis", "direct", "ratio",
              "portcullis CPU", "direct CPU");
  auto row = [](const char* label, const std::vector<Sample>& p, const std::vector<Sample>& d) {
    std::printf("%-50s %12.0fus %10.0fus %7.2f %12.0fus %10.0fus\n", label, median_wall(p) * 1e6,
                median_wall(d) * 1e6, median_wall(p) / median_wall(d), median_cpu(p) * 1e6,
                median_cpu(d) * 1e6);
  };
  row("cold: GET .sig manifest + GET payload + verify", cold, direct_cold);
  row("warm: one HEAD of the .sig tag, cached facts", warm, direct_warm);
  std::printf("source stats: %zu calls, %zu cold, %zu unchanged, %zu rediscovered\n", s.calls,
              s.cold, s.unchanged, s.rediscovered);
  return 0;
}
