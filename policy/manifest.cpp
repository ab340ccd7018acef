#include "policy/manifest.h"

#include <cctype>

namespace portcullis::policy {

std::string_view to_string(Mode mode) { return mode == Mode::Audit ? "audit" : "enforce"; }

std::string_view to_string(FailurePolicy policy) {
  return policy == FailurePolicy::Ignore ? "ignore" : "fail";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::None:
      return "none";
    case Severity::Negligible:
      return "negligible";
    case Severity::Low:
      return "low";
    case Severity::Medium:
      return "medium";
    case Severity::High:
      return "high";
    case Severity::Critical:
      return "critical";
    case Severity::Unknown:
      return "unknown";
  }
  return "unknown";
}

Severity severity_from_string(std::string_view text) {
  // Scanners disagree on case ("HIGH", "High", "high").
  auto is = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);  // ASCII only: no locale call
      if (c != word[i]) return false;
    }
    return true;
  };
  if (is("critical")) return Severity::Critical;
  if (is("high")) return Severity::High;
  if (is("medium") || is("moderate")) return Severity::Medium;
  if (is("low")) return Severity::Low;
  if (is("negligible") || is("minimal")) return Severity::Negligible;
  if (is("none")) return Severity::None;
  return Severity::Unknown;
}

}  // namespace portcullis::policy
