#include "scanner-adapters/merged_fs.h"

#include <deque>

#include "scanner-adapters/metadata_paths.h"
#include "scanner-adapters/tar_path.h"

namespace portcullis::scanner {
namespace {

using policy::FileType;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr int kMaxSymlinkHops = 40;  // as Linux

// All paths strictly under `dir` form one range of the ordered map:
// ["dir/", "dir0") since '0' follows '/'.
std::pair<std::string, std::string> subtree_bounds(std::string_view dir) {
  std::string lo = dir == "/" ? std::string("/") : std::string(dir) + "/";
  std::string hi = lo;
  hi.back() = '0';
  return {lo, hi};
}

}  // namespace

class MergedFilesystem::Applier final : public LayerVisitor {
 public:
  Applier(MergedFilesystem& fs, std::string label, uint32_t layer)
      : fs_(fs), label_(std::move(label)), layer_(layer) {}

  Result<bool> on_entry(const TarEntry& entry) override {
    pending_content_.clear();
    if (++fs_.entries_ > fs_.limits_.max_entries_per_image) {
      return make_error(label_ + " exceeds the image entry limit (more than " +
                        std::to_string(fs_.limits_.max_entries_per_image) +
                        " entries across the image's layers)");
    }
    if (entry.path == "/") return false;  // the root itself: "./"
    std::string path = fs_.place(entry.path);
    std::string_view name = basename_of(path);
    if (name.starts_with(kWhiteoutPrefix)) {
      apply_whiteout(path, name);
      return false;
    }
    MergedNode node{entry.type, entry.mode, layer_, entry.size, entry.link_target};
    if (entry.type == FileType::Hardlink) {
      // The link shares the target's inode: same mode and size.
      node.link_target = fs_.place(entry.link_target);
      if (const MergedNode* target = fs_.find(node.link_target)) {
        node.mode = target->mode;
        node.size = target->size;
      }
    }
    const bool wanted = entry.type == FileType::Regular && is_metadata_path(path);
    fs_.put(path, std::move(node));
    if (!wanted) return false;
    if (fs_.metadata_bytes_ + entry.size > fs_.limits_.max_metadata_total_bytes) {
      return make_error(label_ +
                        " exceeds the metadata total limit (package databases of more than " +
                        std::to_string(fs_.limits_.max_metadata_total_bytes) + " bytes)");
    }
    fs_.metadata_bytes_ += entry.size;
    pending_content_ = std::move(path);
    return true;
  }

  Result<void> on_content(std::string content) override {
    if (!pending_content_.empty()) fs_.contents_[std::move(pending_content_)] = std::move(content);
    pending_content_.clear();
    return {};
  }

 private:
  void apply_whiteout(const std::string& path, std::string_view name) {
    std::string_view dir = parent_of(path);
    if (name == kOpaqueMarker) {
      fs_.erase_lower(dir, /*with_self=*/false, layer_);
    } else if (name.starts_with(".wh..wh.")) {
      // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not part of the view.
    } else if (name.size() > kWhiteoutPrefix.size()) {
      fs_.erase_lower(join_path(dir, name.substr(kWhiteoutPrefix.size())), true, layer_);
    }
  }

  MergedFilesystem& fs_;
  std::string label_;
  uint32_t layer_;
  std::string pending_content_;
};

MergedFilesystem::MergedFilesystem(const Limits& limits) : limits_(limits) {}
MergedFilesystem::~MergedFilesystem() = default;

std::unique_ptr<LayerVisitor> MergedFilesystem::next_layer(std::string label) {
  return std::make_unique<Applier>(*this, std::move(label), layers_++);
}

const MergedNode* MergedFilesystem::find(std::string_view path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

const std::string* MergedFilesystem::content(std::string_view path) const {
  auto it = contents_.find(path);
  return it == contents_.end() ? nullptr : &it->second;
}

std::optional<std::string> MergedFilesystem::resolve(std::string_view path,
                                                     bool follow_last) const {
  std::deque<std::string_view> todo;
  auto push_front_components = [&todo](std::string_view p) {
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i <= p.size()) {
      size_t j = p.find('/', i);
      if (j == std::string_view::npos) j = p.size();
      if (j > i) parts.push_back(p.substr(i, j - i));
      i = j + 1;
    }
    todo.insert(todo.begin(), parts.begin(), parts.end());
  };
  push_front_components(path);
  std::string resolved;  // "" is the root
  int hops = 0;
  while (!todo.empty()) {
    std::string_view part = todo.front();
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      resolved.resize(resolved.rfind('/') == std::string::npos ? 0 : resolved.rfind('/'));
      continue;
    }
    size_t before = resolved.size();
    resolved += '/';
    resolved += part;
    const MergedNode* node = find(resolved);
    if (node == nullptr || node->type != FileType::Symlink || (todo.empty() && !follow_last)) {
      continue;
    }
    if (++hops > kMaxSymlinkHops) return std::nullopt;
    resolved.resize(before);
    std::string_view target = node->link_target;
    if (target.starts_with('/')) resolved.clear();
    push_front_components(target);
  }
  return resolved.empty() ? std::string("/") : resolved;
}

std::string MergedFilesystem::place(const std::string& path) {
  if (symlinks_ == 0) return path;
  std::string_view parent = parent_of(path);
  if (cached_generation_ != generation_ || cached_parent_ != parent) {
    // A parent that loops stays where it was named; it cannot leave the root.
    cached_resolved_ = resolve(parent).value_or(std::string(parent));
    cached_parent_ = parent;
    cached_generation_ = generation_;
  }
  return join_path(cached_resolved_, basename_of(path));
}

void MergedFilesystem::put(std::string path, MergedNode node) {
  auto it = nodes_.find(path);
  if (it != nodes_.end()) {
    if (it->second.type == FileType::Directory && node.type == FileType::Directory) {
      it->second = std::move(node);  // metadata update; children stay
      return;
    }
    if (it->second.type == FileType::Directory) erase_lower(path, false, UINT32_MAX);
    erase_node(it);
  }
  if (node.type == FileType::Symlink) {
    ++symlinks_;
    ++generation_;
  }
  if (!former_link_names_.empty()) former_link_names_.erase(path);  // a new file
  nodes_.emplace(std::move(path), std::move(node));
}

void MergedFilesystem::erase_node(NodeMap::iterator it) {
  if (it->second.type == FileType::Symlink) {
    --symlinks_;
    ++generation_;
  }
  if (it->second.type == FileType::Hardlink) {
    former_link_names_[it->second.link_target].push_back(it->first);
  }
  // A file that goes away takes its former names with it.
  if (!former_link_names_.empty()) former_link_names_.erase(it->first);
  if (!contents_.empty()) contents_.erase(it->first);
  nodes_.erase(it);
}

void MergedFilesystem::erase_lower(std::string_view path, bool with_self, uint32_t layer) {
  if (with_self) {
    auto it = nodes_.find(path);
    if (it != nodes_.end() && it->second.layer < layer) erase_node(it);
  }
  auto [lo, hi] = subtree_bounds(path);
  auto it = nodes_.lower_bound(lo);
  auto end = nodes_.lower_bound(hi);
  while (it != end) {
    auto next = std::next(it);
    if (it->second.layer < layer) erase_node(it);
    it = next;
  }
}

std::vector<policy::FileEntry> MergedFilesystem::take_files() {
  std::vector<policy::FileEntry> files;
  files.reserve(nodes_.size());
  while (!nodes_.empty()) {
    auto handle = nodes_.extract(nodes_.begin());
    MergedNode& n = handle.mapped();
    files.push_back({std::move(handle.key()), n.type, n.mode, n.size, std::move(n.link_target)});
  }
  contents_.clear();
  former_link_names_.clear();
  symlinks_ = 0;
  ++generation_;
  return files;
}

}  // namespace portcullis::scanner
