#include "policy/facts_index.h"

#include <algorithm>
#include <numeric>

#include "policy/id_hash.h"

namespace portcullis::policy {

bool reversed_less(std::string_view a, std::string_view b) {
  size_t i = a.size();
  size_t j = b.size();
  while (i > 0 && j > 0) {
    auto x = static_cast<unsigned char>(a[--i]);
    auto y = static_cast<unsigned char>(b[--j]);
    if (x != y) return x < y;
  }
  return i == 0 && j != 0;
}

Severity effective_severity(std::string_view severity) {
  Severity s = severity_from_string(severity);
  return s == Severity::Unknown ? Severity::Critical : s;
}

FactsIndex FactsIndex::build(const ImageFacts& facts) {
  FactsIndex index;
  if (facts.content) {
    const auto& files = facts.content->files;
    index.has_content_ = true;
    index.file_count_ = files.size();
    index.files_sorted =
        std::is_sorted(files.begin(), files.end(),
                       [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
    index.by_suffix.resize(files.size());
    std::iota(index.by_suffix.begin(), index.by_suffix.end(), 0u);
    std::sort(index.by_suffix.begin(), index.by_suffix.end(),
              [&](uint32_t a, uint32_t b) { return reversed_less(files[a].path, files[b].path); });
  }
  if (facts.vulnerabilities) {
    const auto& vulns = facts.vulnerabilities->vulnerabilities;
    index.has_vulnerabilities_ = true;
    index.vulnerability_count_ = vulns.size();
    index.severity.reserve(vulns.size());
    index.id_hash.reserve(vulns.size());
    for (const Vulnerability& v : vulns) {
      Severity s = effective_severity(v.severity);
      index.severity.push_back(s);
      index.id_hash.push_back(detail::id_hash(v.id));
      index.max_all = std::max(index.max_all, s);
      if (!v.fixed_version.empty()) index.max_fixed = std::max(index.max_fixed, s);
    }
  }
  return index;
}

bool FactsIndex::fits(const ImageFacts& facts) const {
  return has_content_ == facts.content.has_value() &&
         (!facts.content || file_count_ == facts.content->files.size()) &&
         has_vulnerabilities_ == facts.vulnerabilities.has_value() &&
         (!facts.vulnerabilities ||
          vulnerability_count_ == facts.vulnerabilities->vulnerabilities.size());
}

}  // namespace portcullis::policy
