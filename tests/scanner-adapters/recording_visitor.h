// A LayerVisitor that records entries, and hands content for chosen paths.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "scanner-adapters/layer_reader.h"

namespace portcullis::scanner::testing {

class RecordingVisitor final : public LayerVisitor {
 public:
  explicit RecordingVisitor(std::set<std::string> want = {}) : want_(std::move(want)) {}

  Result<bool> on_entry(const TarEntry& entry) override {
    entries.push_back(entry);
    pending_ = entry.path;
    return want_.contains(entry.path);
  }
  Result<void> on_content(std::string content) override {
    contents[pending_] = std::move(content);
    return {};
  }

  std::vector<TarEntry> entries;
  std::map<std::string, std::string> contents;

 private:
  std::set<std::string> want_;
  std::string pending_;
};

// Inspects `blob` under `layer`: the error message, or "no error".
inline std::string inspect_error(std::string_view blob, const LayerDescriptor& layer,
                                 const Limits& limits = {}) {
  MemorySource src(std::as_bytes(std::span(blob)));
  RecordingVisitor visitor;
  auto stats = inspect_layer(src, layer, limits, visitor);
  return stats ? "no error" : stats.error().message;
}

}  // namespace portcullis::scanner::testing
