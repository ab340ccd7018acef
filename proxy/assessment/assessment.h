// What one assessment yields: the facts the evaluator judges, plus what the
// manifest is and references (so the proxy can gate indexes and blobs).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/facts.h"

namespace portcullis::proxy::assessment {

// An index (OCI image index or Docker manifest list) has no content of its
// own: its facts carry no `content` and no assessment_error, and each child is
// assessed when a client asks for it. The proxy decides from `kind`.
enum class ManifestKind { unknown, image, index };

struct Descriptor {
  std::string media_type;
  std::string digest;
  uint64_t size = 0;
  bool operator==(const Descriptor&) const = default;
};

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  bool operator==(const Platform&) const = default;
};

struct IndexChild {
  Descriptor descriptor;
  std::optional<Platform> platform;
  bool operator==(const IndexChild&) const = default;
};

struct ManifestSummary {
  ManifestKind kind = ManifestKind::unknown;  // unknown: the manifest could not be parsed
  std::string media_type;
  Descriptor config;                 // image
  std::vector<Descriptor> layers;    // image, in order
  std::vector<IndexChild> children;  // index
  bool operator==(const ManifestSummary&) const = default;

  // The digests this manifest makes pullable: config and layers, or children.
  std::vector<std::string> referenced_digests() const;
};

struct Assessment {
  policy::ImageFacts facts;  // facts.assessment_error set: a content problem, judged as a deny
  ManifestSummary manifest;
  bool from_cache = false;  // answered from the facts cache: nothing was fetched
  bool cached = false;      // these facts are in the facts cache (deterministic outcome)
};

using AssessmentPtr = std::shared_ptr<const Assessment>;

}  // namespace portcullis::proxy::assessment
