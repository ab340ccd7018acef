// Streams one image layer: hashes the compressed bytes as they pass,
// decompresses (igzip / libzstd / none) through fixed buffers, parses the tar
// with libarchive from memory and hands each entry to a visitor. Nothing is
// written to disk; memory does not grow with the layer's size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "policy/facts.h"
#include "scanner-adapters/byte_source.h"
#include "scanner-adapters/error.h"
#include "scanner-adapters/limits.h"

namespace portcullis::scanner {

// The layer as the manifest describes it.
struct LayerDescriptor {
  std::string media_type;        // empty: detect from magic bytes only
  std::string digest;            // "sha256:<hex>" (sha512 also accepted)
  std::optional<uint64_t> size;  // checked when set
};

enum class Compression { None, Gzip, Zstd };

// One tar header after path hygiene.
struct TarEntry {
  std::string path;  // absolute and normalised: "/usr/sbin/sshd"; "/" for "./"
  policy::FileType type = policy::FileType::Regular;
  uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky
  uint64_t size = 0;
  // Symlink: the target exactly as stored. Hardlink: the normalised absolute
  // path of the entry it links to.
  std::string link_target;

  friend bool operator==(const TarEntry&, const TarEntry&) = default;
};

class LayerVisitor {
 public:
  virtual ~LayerVisitor() = default;
  // Returns true to be handed this entry's data next (through on_content);
  // an error stops the layer.
  virtual Result<bool> on_entry(const TarEntry& entry) = 0;
  virtual Result<void> on_content(std::string content) = 0;
};

struct LayerStats {
  Compression compression = Compression::None;
  uint64_t compressed_bytes = 0;
  uint64_t uncompressed_bytes = 0;
  uint64_t entries = 0;
};

// Reads the whole layer. Errors name the layer digest (and the limit and value
// when a limit was broken). A digest or size mismatch is only known at the end
// of the stream: the visitor has then seen untrusted entries, so callers must
// discard what they built from this layer when an error is returned.
Result<LayerStats> inspect_layer(ByteSource& blob, const LayerDescriptor& layer,
                                 const Limits& limits, LayerVisitor& visitor);

// "layer sha256:..." as errors name a layer (long digests cut and quoted).
std::string layer_label(std::string_view digest);

// Exposed for tests: the compression a media type declares, or an error for
// media types that are not image layers.
Result<Compression> compression_from_media_type(std::string_view media_type);

}  // namespace portcullis::scanner
