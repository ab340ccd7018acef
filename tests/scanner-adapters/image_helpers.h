// Runs ImageInspector over layers built in memory.
#pragma once

#include <vector>

#include "layer_builder.h"
#include "scanner-adapters/image_inspector.h"

namespace portcullis::scanner::testing {

using Layer = std::vector<Item>;

inline Result<policy::ContentFacts> inspect_image(const std::vector<Layer>& layers,
                                                  const Limits& limits = {}) {
  ImageInspector inspector(limits);
  for (const Layer& items : layers) {
    std::string blob = build_layer(items);
    MemorySource src(std::as_bytes(std::span(blob)));
    auto added = inspector.add_layer(src, describe(blob));
    if (!added) return added.error();
  }
  return inspector.finish();
}

inline std::vector<std::string> paths(const policy::ContentFacts& facts) {
  std::vector<std::string> out;
  for (const auto& f : facts.files) out.push_back(f.path);
  return out;
}

// "path (detail)" per finding, as a deny reason would show it.
inline std::vector<std::string> findings(const policy::ContentFacts& facts) {
  std::vector<std::string> out;
  for (const auto& f : facts.findings) out.push_back(f.path + " (" + f.detail + ")");
  return out;
}

}  // namespace portcullis::scanner::testing
