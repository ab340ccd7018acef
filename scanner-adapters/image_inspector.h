// Image-level API: feed the layers in manifest order, get content facts.
#pragma once

#include <optional>
#include <string_view>

#include "policy/facts.h"
#include "scanner-adapters/byte_source.h"
#include "scanner-adapters/error.h"
#include "scanner-adapters/layer_reader.h"
#include "scanner-adapters/limits.h"
#include "scanner-adapters/merged_fs.h"

namespace portcullis::scanner {

// Changes whenever the same layers could yield different content facts
// (parsers, detectors, merge rules): part of the facts cache key.
inline constexpr std::string_view kScannerRevision = "portcullis-scanner/1";

class ImageInspector {
 public:
  explicit ImageInspector(const Limits& limits = {});

  // Streams one layer into the merged view. After any error the inspector is
  // failed for good (its view holds untrusted entries): later calls and
  // finish() return that first error.
  Result<LayerStats> add_layer(ByteSource& blob, const LayerDescriptor& layer);

  // The facts of the merged view; call once, after the last layer.
  Result<policy::ContentFacts> finish();

 private:
  Limits limits_;
  MergedFilesystem fs_;
  std::optional<ScanError> failed_;
  bool finished_ = false;
};

}  // namespace portcullis::scanner
