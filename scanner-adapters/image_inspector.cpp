#include "scanner-adapters/image_inspector.h"

#include "scanner-adapters/content_facts.h"

namespace portcullis::scanner {

ImageInspector::ImageInspector(const Limits& limits) : limits_(limits), fs_(limits) {}

Result<LayerStats> ImageInspector::add_layer(ByteSource& blob, const LayerDescriptor& layer) {
  if (failed_) return *failed_;
  if (finished_) return make_error("image inspector: layer added after finish()");
  auto visitor = fs_.next_layer(layer_label(layer.digest));
  auto stats = inspect_layer(blob, layer, limits_, *visitor);
  if (!stats) failed_ = stats.error();
  return stats;
}

Result<policy::ContentFacts> ImageInspector::finish() {
  if (failed_) return *failed_;
  if (finished_) return make_error("image inspector: finish() called twice");
  finished_ = true;
  return collect_content_facts(fs_);
}

}  // namespace portcullis::scanner
