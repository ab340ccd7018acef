// Image-level API: feed the layers in manifest order, get content facts.
#pragma once

#include <optional>

#include "policy/facts.h"
#include "scanner-adapters/byte_source.h"
#include "scanner-adapters/error.h"
#include "scanner-adapters/layer_reader.h"
#include "scanner-adapters/limits.h"
#include "scanner-adapters/merged_fs.h"

namespace portcullis::scanner {

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
