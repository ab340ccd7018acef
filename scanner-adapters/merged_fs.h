// The container's view of an image: layers applied in order with OCI
// whiteouts (".wh.<name>") and opaque directories (".wh..wh..opq"). Parent
// symlinks are followed inside the root as an unpacker would, and links are
// recorded, never followed outside it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/facts.h"
#include "scanner-adapters/layer_reader.h"
#include "scanner-adapters/limits.h"

namespace portcullis::scanner {

struct MergedNode {
  policy::FileType type = policy::FileType::Regular;
  uint32_t mode = 0;
  uint32_t layer = 0;  // index of the layer that wrote it
  uint64_t size = 0;
  std::string link_target;  // symlink: as stored; hardlink: absolute path
};

class MergedFilesystem {
 public:
  using NodeMap = std::map<std::string, MergedNode, std::less<>>;

  explicit MergedFilesystem(const Limits& limits = {});
  ~MergedFilesystem();

  // A visitor that applies the next layer (call once per layer, in manifest
  // order). `label` ("layer sha256:...") names the layer in errors. Package
  // databases and os-release files are captured through it.
  std::unique_ptr<LayerVisitor> next_layer(std::string label);

  const MergedNode* find(std::string_view path) const;
  // Follows symlinks in every component, inside the root like a chroot: ".."
  // stops at "/", absolute targets start at the image root. nullopt for a
  // loop (more than 40 links). `path` is absolute.
  std::optional<std::string> resolve(std::string_view path, bool follow_last = true) const;
  // Content captured for a metadata file at this exact path, or nullptr.
  const std::string* content(std::string_view path) const;

  const NodeMap& nodes() const { return nodes_; }
  // Hardlink names that a later layer deleted or replaced, by the path they
  // linked to, while that path still holds the same file: the inode was known
  // under those names ("sshd") even if no current name says so.
  const std::map<std::string, std::vector<std::string>, std::less<>>& former_link_names() const {
    return former_link_names_;
  }
  const std::map<std::string, std::string, std::less<>>& contents() const { return contents_; }
  uint64_t entries() const { return entries_; }

  // Moves the view out as FileEntry values sorted by path; leaves it empty.
  std::vector<policy::FileEntry> take_files();

 private:
  class Applier;

  // Where an entry named `path` lands: its parent resolved through symlinks.
  std::string place(const std::string& path);
  void put(std::string path, MergedNode node);
  // Removes what layers below `layer` have at `path` (if with_self) and under it.
  void erase_lower(std::string_view path, bool with_self, uint32_t layer);
  void erase_node(NodeMap::iterator it);

  Limits limits_;
  NodeMap nodes_;
  std::map<std::string, std::string, std::less<>> contents_;
  std::map<std::string, std::vector<std::string>, std::less<>> former_link_names_;
  uint32_t layers_ = 0;
  uint64_t entries_ = 0;
  uint64_t metadata_bytes_ = 0;
  uint64_t symlinks_ = 0;  // fast path: no symlink, no resolution
  // place() cache: consecutive tar entries mostly share a parent.
  std::string cached_parent_, cached_resolved_;
  uint64_t generation_ = 0, cached_generation_ = UINT64_MAX;
};

}  // namespace portcullis::scanner
