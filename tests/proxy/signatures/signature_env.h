// Shared pieces of the signature tests: a real docker-registry, the daemon's
// upstream side (io_context, pool, Upstreams) to run the source and signer
// on, raw pushes of images and of cosign signatures written independently
// of Portcullis (the openssl CLI and tests/signing/make_cosign_signature.sh),
// and the policy evaluator for the reasons users see.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "policy/evaluator.h"
#include "policy/image_reference.h"
#include "proxy/registry/upstreams.h"
#include "proxy/trust/manifest_files.h"
#include "signing/digest.h"
#include "tests/signing/test_util.h"
#include "tests/support/net.h"
#include "tests/support/registry.h"

namespace portcullis::proxy::signatures::testing {

using testsupport::DockerRegistry;
using testsupport::HttpRequest;
using testsupport::HttpResponse;
using testsupport::TempDir;

inline constexpr char kUpstreamName[] = "registry.corp.example";
inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";

inline bool have(const char* tool) { return ::access(tool, X_OK) == 0; }

// The daemon's upstream side: an io_context on two threads, the pool and the
// configured upstreams.
class UpstreamSide {
 public:
  explicit UpstreamSide(std::vector<config::Upstream> configs)
      : pool_(ioc_.get_executor(), std::chrono::seconds(5)),
        upstreams_(configs, pool_, upstream::FetchLimits{}) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  // One upstream named kUpstreamName at `url`.
  explicit UpstreamSide(const std::string& url, const std::string& username = "",
                        const std::string& password = "")
      : UpstreamSide(one(url, username, password)) {}
  ~UpstreamSide() {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  template <class T>
  T run(awaitable<T> task) {
    auto future = asio::co_spawn(ioc_, std::move(task), asio::use_future);
    return future.get();
  }

  upstream::ConnectionPool& pool() { return pool_; }
  registry::UpstreamRuntime& upstream(size_t i = 0) { return upstreams_.at(i); }
  asio::io_context& ioc() { return ioc_; }

 private:
  static std::vector<config::Upstream> one(const std::string& url, const std::string& username,
                                           const std::string& password) {
    config::Upstream u;
    u.name = kUpstreamName;
    u.url = url;
    if (!username.empty()) u.auth = config::UpstreamAuth{username, password, ""};
    return {u};
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  upstream::ConnectionPool pool_;
  registry::Upstreams upstreams_;
  std::vector<std::thread> threads_;
};

// Plain HTTP to the registry (test set-up, not the code under test).
class RegistryWriter {
 public:
  explicit RegistryWriter(const DockerRegistry& registry, std::string basic_auth = "")
      : registry_(registry), basic_auth_(std::move(basic_auth)) {}

  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> headers = {}) const {
    HttpRequest req;
    req.method = method;
    req.port = registry_.port();
    req.target = target;
    req.body = body;
    if (!basic_auth_.empty()) headers.emplace_back("Authorization", "Basic " + basic_auth_);
    req.headers = std::move(headers);
    return testsupport::http_request(req);
  }

  // Monolithic upload (POST, then PUT ?digest=); returns the digest.
  std::string push_blob(const std::string& repo, const std::string& bytes) const {
    const std::string digest = signing::sha256_digest(bytes);
    auto start = request("POST", "/v2/" + repo + "/blobs/uploads/");
    if (start.status != 202) throw std::runtime_error("POST upload: " + start.body + start.error);
    std::string location = start.header("Location");
    if (auto p = location.find("/v2/"); p != std::string::npos) location = location.substr(p);
    location +=
        (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
    auto put = request("PUT", location, bytes, {{"Content-Type", "application/octet-stream"}});
    if (put.status != 201) throw std::runtime_error("PUT upload: " + put.body + put.error);
    return digest;
  }

  // PUT a manifest; returns its digest.
  std::string put_manifest(const std::string& repo, const std::string& reference,
                           const std::string& bytes, const std::string& type = kOciManifest) const {
    auto put =
        request("PUT", "/v2/" + repo + "/manifests/" + reference, bytes, {{"Content-Type", type}});
    if (put.status != 201) throw std::runtime_error("PUT manifest: " + put.body + put.error);
    return signing::sha256_digest(bytes);
  }

  std::string get_manifest(const std::string& repo, const std::string& reference) const {
    auto r =
        request("GET", "/v2/" + repo + "/manifests/" + reference, "", {{"Accept", kOciManifest}});
    if (r.status != 200)
      throw std::runtime_error("GET manifest " + reference + ": " + std::to_string(r.status));
    return r.body;
  }

  std::string get_blob(const std::string& repo, const std::string& digest) const {
    auto r = request("GET", "/v2/" + repo + "/blobs/" + digest);
    if (r.status != 200)
      throw std::runtime_error("GET blob " + digest + ": " + std::to_string(r.status));
    return r.body;
  }

  // A small OCI image with one random layer, tagged; returns its manifest digest.
  std::string push_image(const std::string& repo, const std::string& tag = "v1") const {
    std::random_device rd;
    std::string layer(256, '\0');
    for (auto& c : layer) c = static_cast<char>(rd());
    const std::string layer_digest = push_blob(repo, layer);
    const std::string config =
        R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
        layer_digest + R"("]}})";
    const std::string config_digest = push_blob(repo, config);
    const std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
        config_digest + R"(","size":)" + std::to_string(config.size()) +
        R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
        layer_digest + R"(","size":)" + std::to_string(layer.size()) + "}]}";
    return put_manifest(repo, tag, manifest);
  }

 private:
  const DockerRegistry& registry_;
  std::string basic_auth_;
};

// One cosign signature layer as SIGNATURE_SPEC describes it.
struct CosignLayer {
  std::string payload;
  std::string signature_base64;
  uint64_t declared_size = 0;     // 0: the payload's size
  std::string declared_digest{};  // empty: the payload's digest
};

// The payload cosign signs, written here from the spec (not by Portcullis).
inline std::string cosign_payload(const std::string& reference, const std::string& digest) {
  return R"({"critical":{"identity":{"docker-reference":")" + reference +
         R"("},"image":{"docker-manifest-digest":")" + digest +
         R"("},"type":"cosign container image signature"},"optional":null})";
}

// Pushes payload blobs, the config and the manifest at the .sig tag of
// `digest`, in the layout of make_cosign_signature.sh; returns the manifest.
inline std::string push_cosign_signature(const RegistryWriter& w, const std::string& repo,
                                         const std::string& digest,
                                         const std::vector<CosignLayer>& layers) {
  std::string diff_ids;
  std::string layer_json;
  for (const auto& l : layers) {
    const std::string payload_digest = w.push_blob(repo, l.payload);
    const std::string d = l.declared_digest.empty() ? payload_digest : l.declared_digest;
    const uint64_t size = l.declared_size ? l.declared_size : l.payload.size();
    diff_ids += (diff_ids.empty() ? "\"" : ",\"") + d + "\"";
    layer_json += std::string(layer_json.empty() ? "" : ",") +
                  R"({"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":)" +
                  std::to_string(size) + R"(,"digest":")" + d +
                  R"(","annotations":{"dev.cosignproject.cosign/signature":")" +
                  l.signature_base64 + R"("}})";
  }
  const std::string config =
      R"({"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[)" +
      diff_ids + "]}}";
  const std::string config_digest = w.push_blob(repo, config);
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":)" +
      std::to_string(config.size()) + R"(,"digest":")" + config_digest + R"("},"layers":[)" +
      layer_json + "]}";
  w.put_manifest(repo, "sha256-" + digest.substr(7) + ".sig", manifest);
  return manifest;
}

// A signature made with the openssl CLI over `payload`.
inline CosignLayer openssl_layer(const TempDir& dir, const std::string& key_name,
                                 const std::string& payload) {
  return CosignLayer{
      payload, signing::testing::openssl_sign(dir, signing::testing::key_path(key_name), payload)};
}

// A Trust Manifest requiring a signature by the fixture key `key_name`
// (applies to every image, at every stage).
inline std::shared_ptr<const policy::ManifestSet> require_signature_by(
    const TempDir& dir, const std::string& key_name) {
  const std::string path = dir / "signed-only.yaml";
  testsupport::write_file(path, R"(apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata:
  name: signed-only
spec:
  signatures:
    required: true
    keys:
      - name: ci
        publicKeyFile: )" + signing::testing::key_path(key_name) +
                                    "\n");
  auto loaded = trust::load_manifest_files({path});
  if (!loaded.set)
    throw std::runtime_error("test manifest does not load: " + loaded.diagnostics.at(0).message);
  return loaded.set;
}

// The verdict for `facts` of repo@digest: "" when allowed, else every reason.
inline std::string judge(const policy::ManifestSet& set, const std::string& repo,
                         const std::string& digest, const policy::SignatureFacts& facts) {
  policy::ImageFacts image_facts;
  image_facts.manifest_digest = digest;
  image_facts.signatures = facts;
  policy::EvaluationRequest req;
  req.image = policy::make_image_reference(kUpstreamName, repo, digest).value();
  req.cluster = "default";
  req.facts = &image_facts;
  const auto verdict = policy::evaluate(set, req);
  std::string out;
  for (const auto& r : verdict.reasons) out += (out.empty() ? "" : "\n") + r.message;
  if (verdict.allowed) {
    EXPECT_EQ(out, "") << "allowed with reasons";
  }
  return verdict.allowed ? "" : out;
}

}  // namespace portcullis::proxy::signatures::testing
