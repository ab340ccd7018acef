#include "scanner-adapters/ssh_detector.h"

#include <algorithm>
#include <map>
#include <span>

#include "scanner-adapters/metadata_paths.h"
#include "scanner-adapters/tar_path.h"

namespace portcullis::scanner {
namespace {

using policy::FileType;

constexpr std::string_view kSshdPackages[] = {"openssh-server", "openssh-server-pam"};
constexpr std::string_view kDropbearPackages[] = {"dropbear-bin", "dropbear", "dropbear-run"};

bool is_file(const MergedNode& n) {
  return n.type == FileType::Regular || n.type == FileType::Hardlink;
}

// Names the package (and version) behind a server binary.
class Owners {
 public:
  Owners(const MergedFilesystem& fs, const std::vector<policy::Package>& packages)
      : fs_(fs), packages_(packages) {}

  // "openssh-server 1:9.2p1-2+deb12u3", or "" when no package claims it.
  std::string of(std::string_view path) const {
    // dpkg's file list is authoritative when the image kept it.
    const auto& contents = fs_.contents();
    for (auto it = contents.lower_bound(kDpkgInfoDir);
         it != contents.end() && it->first.starts_with(kDpkgInfoDir); ++it) {
      std::string_view pkg = dpkg_list_package(it->first);
      if (!pkg.empty() && lists(it->second, path)) return describe(pkg);
    }
    // Else the installed server package that ships a binary of this name.
    std::string_view base = basename_of(path);
    std::span<const std::string_view> candidates =
        base == "sshd" ? std::span<const std::string_view>(kSshdPackages) : kDropbearPackages;
    for (std::string_view pkg : candidates) {
      if (installed(pkg)) return describe(pkg);
    }
    return {};
  }

  const policy::Package* installed(std::string_view name) const {
    auto it = std::find_if(packages_.begin(), packages_.end(),
                           [&](const policy::Package& p) { return p.name == name; });
    return it == packages_.end() ? nullptr : &*it;
  }

 private:
  static bool lists(std::string_view list, std::string_view path) {
    size_t pos = 0;
    while ((pos = list.find(path, pos)) != std::string_view::npos) {
      bool starts = pos == 0 || list[pos - 1] == '\n';
      size_t end = pos + path.size();
      bool ends = end == list.size() || list[end] == '\n';
      if (starts && ends) return true;
      pos = end;
    }
    return false;
  }

  std::string describe(std::string_view pkg) const {
    const policy::Package* p = installed(pkg);
    return p ? p->name + " " + p->version : std::string(pkg);
  }

  const MergedFilesystem& fs_;
  const std::vector<policy::Package>& packages_;
};

std::string with_owner(std::string prefix, const std::string& owner) {
  if (owner.empty()) return prefix;
  return prefix + ", " + owner;
}

}  // namespace

bool is_ssh_server_package(std::string_view name) {
  return std::find(std::begin(kSshdPackages), std::end(kSshdPackages), name) !=
             std::end(kSshdPackages) ||
         std::find(std::begin(kDropbearPackages), std::end(kDropbearPackages), name) !=
             std::end(kDropbearPackages);
}

bool is_ssh_server_binary_path(std::string_view path) {
  std::string_view base = basename_of(path);
  if (base != "sshd" && base != "dropbear" && base != "dropbearmulti") return false;
  std::string_view dir = basename_of(parent_of(path));
  return dir == "bin" || dir == "sbin";
}

std::vector<policy::Finding> detect_ssh_servers(const MergedFilesystem& fs,
                                                const std::vector<policy::Package>& packages) {
  Owners owners(fs, packages);
  std::map<std::string, std::string, std::less<>> hits;  // path -> detail
  // Binaries by name, then hardlinks sharing their inode, then symlinks that
  // reach any of those (or that carry a server name and reach a file).
  for (const auto& [path, node] : fs.nodes()) {
    if (is_file(node) && is_ssh_server_binary_path(path)) {
      std::string owner = owners.of(path);
      hits[path] = owner.empty() ? "unpackaged" : owner;
    }
  }
  // Hardlinks: one inode, several names. Which name a tar stores as the file
  // and which as the link depends on the writer, so if any name of the group
  // is a server name, every name is the server.
  std::map<std::string_view, std::vector<std::string_view>> groups;  // target -> links
  for (const auto& [path, node] : fs.nodes()) {
    if (node.type == FileType::Hardlink) groups[node.link_target].push_back(path);
  }
  for (const auto& [target, names] : fs.former_link_names()) {
    groups[target].insert(groups[target].end(), names.begin(), names.end());
  }
  for (const auto& [target, links] : groups) {
    std::vector<std::string_view> names = links;
    names.push_back(target);  // named even if a later layer deleted it
    auto named = std::find_if(names.begin(), names.end(), [&](std::string_view n) {
      return hits.contains(n) || is_ssh_server_binary_path(n);
    });
    if (named == names.end()) continue;
    std::string server(*named);
    for (std::string_view name : names) {
      const MergedNode* node = fs.find(name);
      if (node == nullptr || !is_file(*node) || hits.contains(name)) continue;
      hits[std::string(name)] = with_owner("hardlink of " + server, owners.of(server));
    }
  }
  std::vector<std::pair<std::string, std::string>> via_symlink;
  for (const auto& [path, node] : fs.nodes()) {
    if (node.type != FileType::Symlink) continue;
    auto target = fs.resolve(path);
    if (!target) continue;
    const MergedNode* t = fs.find(*target);
    if (t == nullptr || !is_file(*t)) continue;
    if (hits.contains(*target)) {
      via_symlink.emplace_back(path, with_owner("symlink to " + *target, hits[*target]));
    } else if (is_ssh_server_binary_path(path)) {
      via_symlink.emplace_back(path, with_owner("symlink to " + *target, owners.of(path)));
    }
  }
  for (auto& [path, detail] : via_symlink) hits[path] = std::move(detail);

  std::vector<policy::Finding> findings;
  for (auto& [path, detail] : hits) findings.push_back({std::string(kSshDetector), path, detail});
  // Packages no binary finding already names (e.g. the binary was deleted).
  for (const auto& p : packages) {
    if (!is_ssh_server_package(p.name)) continue;
    std::string named = p.name + " " + p.version;
    bool covered = std::any_of(findings.begin(), findings.end(), [&](const policy::Finding& f) {
      return f.detail == named || f.detail.ends_with(", " + named);
    });
    if (!covered) findings.push_back({std::string(kSshDetector), "", named});
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](const auto& a, const auto& b) { return a.path < b.path; });
  return findings;
}

}  // namespace portcullis::scanner
