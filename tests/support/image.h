// OCI image layouts on disk (index.json, oci-layout, blobs/sha256/...), usable by skopeo as
// oci:DIR:TAG. Layers are tars written with libarchive, compressed with ISA-L gzip, zstd or
// not at all, and hashed as they stream (digest of the blob, diff_id of the plain tar).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portcullis::testsupport {

struct TarEntry {
  enum class Type { File, Dir, Symlink, Hardlink };
  std::string path;  // relative, no leading "/": "etc/passwd"
  Type type = Type::File;
  std::string content{};
  int mode = 0644;  // permission bits, setuid/setgid included
  std::string link_target{};
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime = 0;

  static TarEntry file(std::string path, std::string content, int mode = 0644);
  static TarEntry dir(std::string path, int mode = 0755);
  static TarEntry symlink(std::string path, std::string target);
  static TarEntry hardlink(std::string path, std::string target);
};

enum class Compression { Gzip, Zstd, None };

struct LayerInfo {
  std::string media_type;
  std::string digest;   // sha256:... of the blob as stored
  std::string diff_id;  // sha256:... of the uncompressed tar
  uint64_t size = 0;
  uint64_t uncompressed_size = 0;
};

struct BuiltImage {
  std::string layout_dir;
  std::string tag;
  std::string manifest;  // exact bytes
  std::string manifest_digest;
  std::string config;
  std::string config_digest;
  std::vector<LayerInfo> layers;

  std::string oci_ref() const { return "oci:" + layout_dir + ":" + tag; }
  // Path of a blob in the layout.
  std::string blob_path(const std::string& digest) const;
};

struct OciLayoutOptions {
  uint64_t seed = 0;  // random layers; 0 = a fresh random seed (new digests every run)
  Compression compression = Compression::Gzip;
  int gzip_level = 1;  // ISA-L levels 0..3
  std::string architecture = "amd64";
  std::string os = "linux";
};

class OciLayoutBuilder {
 public:
  // Creates the layout directory if needed. Several build() calls add several tags.
  explicit OciLayoutBuilder(std::string layout_dir, OciLayoutOptions options = {});

  // One regular file of `bytes` incompressible bytes ("random-N.bin").
  OciLayoutBuilder& add_random_layer(uint64_t bytes);
  OciLayoutBuilder& add_layer(const std::vector<TarEntry>& entries);
  // The tree under `root` (files, dirs, symlinks, hardlinks, devices; owners and modes kept),
  // in sorted order, paths relative to `root`.
  OciLayoutBuilder& add_layer_from_directory(const std::string& root);
  // The config's "config" object (Env, Cmd, User, Labels, ...).
  OciLayoutBuilder& set_image_config(nlohmann::json config);

  // Writes config and manifest for the layers added so far and tags it in index.json.
  BuiltImage build(const std::string& tag = "latest");

  const std::vector<LayerInfo>& layers() const { return layers_; }
  const std::string& layout_dir() const { return dir_; }

 private:
  template <typename WriteEntries>
  OciLayoutBuilder& add_tar_layer(WriteEntries&& write_entries);
  std::string write_blob(const std::string& content);

  std::string dir_;
  OciLayoutOptions options_;
  uint64_t next_seed_;
  std::vector<LayerInfo> layers_;
  nlohmann::json image_config_;
  nlohmann::json index_manifests_ = nlohmann::json::array();
};

// A layout with one random layer per entry of `layer_sizes`, tagged `tag`.
BuiltImage build_random_image(const std::string& layout_dir,
                              const std::vector<uint64_t>& layer_sizes,
                              const std::string& tag = "latest", OciLayoutOptions options = {});

}  // namespace portcullis::testsupport
