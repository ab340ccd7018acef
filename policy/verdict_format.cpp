#include "policy/verdict_format.h"

namespace portcullis::policy {

nlohmann::json to_json(const Verdict& v) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const Reason& r : v.reasons)
    reasons.push_back({{"manifest", r.manifest},
                       {"rule", r.rule},
                       {"message", r.message},
                       {"enforced", r.enforced}});
  return {{"allowed", v.allowed},
          {"decision", v.allowed ? "allow" : "deny"},
          {"policyRevision", v.policy_revision},
          {"manifests", v.manifests},
          {"reasons", std::move(reasons)},
          {"needs",
           {{"content", v.needs.content},
            {"signatures", v.needs.signatures},
            {"vulnerabilities", v.needs.vulnerabilities}}},
          {"pinDigests", v.pin_digests},
          {"failurePolicy", to_string(v.failure_policy)}};
}

std::string to_text(const Verdict& v, std::string_view image) {
  std::string out = v.allowed ? "ALLOW" : "DENY";
  if (!image.empty()) out += " " + std::string(image);
  out += " (policy revision " + v.policy_revision + ")\n";
  if (v.manifests.empty()) {
    out += "  no manifest applies\n";
  } else {
    out += "  applied:";
    for (size_t i = 0; i < v.manifests.size(); ++i) out += (i ? ", " : " ") + v.manifests[i];
    out += "\n";
  }
  for (const Reason& r : v.reasons)
    out += std::string(r.enforced ? "  deny  " : "  warn  ") + r.manifest + " " + r.rule + ": " +
           r.message + "\n";
  return out;
}

std::string to_text(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += d.to_string() + "\n";
  return out;
}

}  // namespace portcullis::policy
