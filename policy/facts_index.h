// Lookup structures over one ImageFacts. Build it once when the facts are
// produced or loaded from the cache, keep it next to them, and pass it in
// EvaluationRequest::facts_index: evaluation then finds the files a pattern
// can match by binary search, by prefix or by suffix ("**/sshd"), instead of
// scanning every file, and reads vulnerability severities pre-parsed.
// Evaluation gives the same verdict with or without it.
#pragma once

#include <cstdint>
#include <vector>

#include "policy/facts.h"
#include "policy/manifest.h"

namespace portcullis::policy {

class FactsIndex {
 public:
  FactsIndex() = default;
  static FactsIndex build(const ImageFacts& facts);

  // True when this index was built from facts of this shape (a cheap guard
  // against passing the index of other facts; evaluation ignores it if not).
  bool fits(const ImageFacts& facts) const;

  bool files_sorted = false;
  std::vector<uint32_t> by_suffix;  // file indices ordered by reversed path
  std::vector<Severity> severity;   // effective severity per vulnerability
  std::vector<uint64_t> id_hash;    // detail::id_hash per vulnerability
  Severity max_all = Severity::None;
  Severity max_fixed = Severity::None;  // over vulnerabilities with a fixed version

 private:
  size_t file_count_ = 0;
  size_t vulnerability_count_ = 0;
  bool has_content_ = false;
  bool has_vulnerabilities_ = false;
};

// Compares paths from their last character: "/usr/sbin/sshd" sorts next to
// "/sbin/sshd". A suffix of a path sorts before it.
bool reversed_less(std::string_view a, std::string_view b);

// Severity as compared with maxSeverity: not knowing counts as critical.
Severity effective_severity(std::string_view severity);

}  // namespace portcullis::policy

namespace portcullis::policy {

// Facts with their index, for caches that keep both:
//   auto prepared = std::make_shared<const PreparedFacts>(std::move(facts));
//   request.facts = &prepared->facts;
//   request.facts_index = &prepared->index;
struct PreparedFacts {
  explicit PreparedFacts(ImageFacts f) : facts(std::move(f)), index(FactsIndex::build(facts)) {}
  ImageFacts facts;
  FactsIndex index;
};

}  // namespace portcullis::policy
