#include "policy/manifest_json.h"

#include <cstdio>

namespace portcullis::policy {
namespace {

nlohmann::json patterns(const std::vector<Glob>& globs) {
  nlohmann::json out = nlohmann::json::array();
  for (const Glob& g : globs) out.push_back(g.pattern());
  return out;
}

nlohmann::json image_rules(const std::vector<ImageRule>& rules) {
  nlohmann::json out = nlohmann::json::array();
  for (const ImageRule& r : rules) {
    nlohmann::json j = {{"repository", r.repository.pattern()}};
    if (r.versions) j["versions"] = r.versions->text();
    out.push_back(std::move(j));
  }
  return out;
}

std::string date(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

nlohmann::json to_json(const Manifest& m) {
  nlohmann::json spec = {
      {"mode", to_string(m.mode)},
      {"pinDigests", m.pin_digests},
      {"failurePolicy", to_string(m.failure_policy)},
      {"scope",
       {{"clusters", patterns(m.scope.clusters)}, {"namespaces", patterns(m.scope.namespaces)}}}};
  if (m.registries) {
    nlohmann::json r = {{"deny", patterns(m.registries->deny)}};
    if (m.registries->allow) r["allow"] = patterns(*m.registries->allow);
    spec["registries"] = std::move(r);
  }
  if (m.images) {
    nlohmann::json i = {{"deny", image_rules(m.images->deny)}};
    if (m.images->allow) i["allow"] = image_rules(*m.images->allow);
    spec["images"] = std::move(i);
  }
  if (!m.content_deny.empty()) {
    nlohmann::json deny = nlohmann::json::array();
    for (const ContentRule& c : m.content_deny)
      deny.push_back({{"name", c.name},
                      {"sshServer", c.ssh_server},
                      {"paths", patterns(c.paths)},
                      {"setuid", patterns(c.setuid)}});
    spec["content"] = {{"deny", std::move(deny)}};
  }
  if (m.signatures) {
    nlohmann::json keys = nlohmann::json::array();
    for (const SigningKey& k : m.signatures->keys)
      keys.push_back({{"name", k.name},
                      {"publicKeyFile", k.public_key_file},
                      {"repositories", patterns(k.repositories)},
                      {"fingerprint", k.fingerprint}});
    spec["signatures"] = {{"required", m.signatures->required},
                          {"requireAll", m.signatures->require_all},
                          {"keys", std::move(keys)}};
  }
  if (m.vulnerabilities) {
    const VulnerabilityRules& v = *m.vulnerabilities;
    nlohmann::json allow = nlohmann::json::array();
    for (const VulnerabilityException& e : v.allow) {
      nlohmann::json j = {{"id", e.id}, {"reason", e.reason}};
      if (e.expires) j["expires"] = date(*e.expires);
      allow.push_back(std::move(j));
    }
    nlohmann::json j = {{"allow", std::move(allow)}, {"deny", v.deny}, {"onlyFixed", v.only_fixed}};
    if (v.max_severity) j["maxSeverity"] = to_string(*v.max_severity);
    spec["vulnerabilities"] = std::move(j);
  }
  nlohmann::json metadata = {{"name", m.name}};
  if (!m.labels.empty()) metadata["labels"] = m.labels;
  if (!m.annotations.empty()) metadata["annotations"] = m.annotations;
  return {{"apiVersion", "portcullis.dev/v1"},
          {"kind", "TrustManifest"},
          {"metadata", std::move(metadata)},
          {"spec", std::move(spec)},
          {"source", m.where.file + ":" + std::to_string(m.where.line)}};
}

}  // namespace portcullis::policy
