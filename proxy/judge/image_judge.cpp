#include "proxy/judge/image_judge.h"

namespace portcullis::proxy::judge {

std::string enforced_reasons(const policy::Verdict& verdict) {
  std::string out;
  for (const auto& r : verdict.reasons) {
    if (!r.enforced) continue;
    if (!out.empty()) out += "; ";
    out += r.manifest + " (" + r.rule + "): " + r.message;
  }
  return out;
}

std::vector<std::string> audit_warnings(const policy::Verdict& verdict) {
  std::vector<std::string> out;
  for (const auto& r : verdict.reasons)
    if (!r.enforced) out.push_back("audit " + r.manifest + " (" + r.rule + "): " + r.message);
  return out;
}

nlohmann::json reasons_json(const policy::Verdict& verdict) {
  auto out = nlohmann::json::array();
  for (const auto& r : verdict.reasons)
    out.push_back({{"manifest", r.manifest},
                   {"rule", r.rule},
                   {"message", r.message},
                   {"enforced", r.enforced}});
  return out;
}

std::string denial_message(const Judgement& j) {
  const std::string image = j.image.empty() ? std::string("the image") : "image " + j.image;
  switch (j.outcome) {
    case Outcome::judged:
      if (j.verdict.allowed) return {};
      return image + " is denied by policy: " + enforced_reasons(j.verdict);
    case Outcome::invalid_reference:
      return "invalid image reference: " + j.error;
    case Outcome::unknown_registry:
      return image + " cannot be verified: " + j.error;
    case Outcome::not_found:
      return image + " was not found: " + j.error;
    case Outcome::unavailable:
      return image + " could not be assessed: " + j.error;
    case Outcome::timed_out:
      return image + " is still being assessed: " + j.error;
  }
  return image + ": " + j.error;
}

}  // namespace portcullis::proxy::judge
