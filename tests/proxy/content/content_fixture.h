// What every content test does with the proxy: start it in cluster prod-test with the content
// part of the PCI manifest, ask it for manifests and blobs, read its denials and metrics.
#pragma once

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/proxy/content/content_images.h"
#include "tests/proxy/proxy_fixture.h"
#include "tests/support/process.h"
#include "tests/support/token_signer.h"

namespace portcullis::testing {

inline constexpr const char* kRegistry = "registry.corp.example";
inline constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kManifestName = "pci-content";

// Proxy options: `registry` as upstream kRegistry (also the default), cluster prod-test, the
// manifests in tests/fixtures/policies/content, the store at `store_path` (empty: fresh).
inline ProxyOptions content_proxy_options(const testsupport::DockerRegistry& registry,
                                          const std::string& store_path = {}) {
  ProxyOptions o{{{kRegistry, registry.url()}}, kRegistry};
  o.extra_yaml = "cluster: prod-test\nmanifests: [" PORTCULLIS_SOURCE_DIR
                 "/tests/fixtures/policies/content]\n";
  o.store_path = store_path;
  return o;
}

inline testsupport::HttpResponse get_manifest(const ProxyInstance& proxy, const std::string& repo,
                                              const std::string& reference,
                                              const std::string& method = "GET") {
  return proxy.request(method, "/v2/" + repo + "/manifests/" + reference,
                       {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"},
                        {"Accept", kOciManifest},
                        {"Accept", "application/vnd.oci.image.index.v1+json"}});
}

inline testsupport::HttpResponse get_blob(const ProxyInstance& proxy, const std::string& repo,
                                          const std::string& digest) {
  return proxy.request("GET", "/v2/" + repo + "/blobs/" + digest);
}

struct OciError {
  std::string code;
  std::string message;
  nlohmann::json detail;
};

// errors[0] of an OCI error body; code "<unparsable>" with the body as message otherwise.
inline OciError oci_error(const testsupport::HttpResponse& res) {
  auto body = nlohmann::json::parse(res.body, nullptr, false);
  if (body.is_discarded() || !body.contains("errors") || body["errors"].empty())
    return {"<unparsable>", res.body, nullptr};
  const auto& e = body["errors"][0];
  return {e.value("code", ""), e.value("message", ""), e.value("detail", nlohmann::json())};
}

// The value of an unlabelled counter or gauge on /metrics, or -1 if it is not there.
inline long long metric(const ProxyInstance& proxy, const std::string& name) {
  std::istringstream in(proxy.request("GET", "/metrics").body);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(name + " ")) return std::stoll(line.substr(name.size() + 1));
  }
  return -1;
}

// True once the proxy's access log holds `text` (a line is written just after its response).
inline bool access_log_has(const ProxyInstance& proxy, const std::string& text) {
  return testsupport::wait_until([&] { return proxy.access_log().find(text) != std::string::npos; },
                                 std::chrono::seconds(5));
}

// The reason the built-in SSH detector gives for Debian's sshd.
inline std::string sshd_reason(const std::string& version) {
  return "no-ssh-server: /usr/sbin/sshd (openssh-server " + version + ")";
}

inline std::string sha256_of(std::string_view bytes) {
  return "sha256:" + testsupport::sha256_hex(bytes);
}

}  // namespace portcullis::testing
