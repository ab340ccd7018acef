// Bounds on everything read from an untrusted layer. Breaking one fails the
// layer (and so the image) with a message that names the limit and the value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace portcullis::scanner {

struct Limits {
  static constexpr uint64_t kMiB = 1024 * 1024;
  static constexpr uint64_t kGiB = 1024 * kMiB;

  uint64_t max_compressed_bytes = 8 * kGiB;     // per layer, as sent
  uint64_t max_uncompressed_bytes = 32 * kGiB;  // per layer, tar bytes
  // Decompressed:compressed, enforced once ratio_grace_bytes were produced
  // (small layers of empty files legitimately compress very well).
  uint64_t max_decompression_ratio = 100;
  uint64_t ratio_grace_bytes = 16 * kMiB;
  // Tar entries (headers incl. whiteouts). The merged view costs ~200 bytes
  // per path, so these also bound memory: 1M entries is roughly 200 MB.
  uint64_t max_entries_per_layer = 300'000;
  uint64_t max_entries_per_image = 500'000;
  size_t max_path_length = 4096;  // bytes, as in the tar header (PATH_MAX)
  // Package databases and os-release are read into memory.
  uint64_t max_metadata_file_bytes = 16 * kMiB;
  uint64_t max_metadata_total_bytes = 64 * kMiB;  // per image
  // zstd frames may ask for a window up to 2^31; 2^26 (64 MiB) keeps memory
  // flat and still accepts everything zstd writes below --ultra -20.
  int max_zstd_window_log = 26;
  // Absolute tar paths ("/etc/x") never come from docker/buildah/containerd.
  // false: deny the layer. true: treat them as relative to the image root, as
  // containerd does when it unpacks. ".." components are always denied.
  bool absolute_paths_relative_to_root = false;
};

}  // namespace portcullis::scanner
