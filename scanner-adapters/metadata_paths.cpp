#include "scanner-adapters/metadata_paths.h"

#include "scanner-adapters/ssh_detector.h"

namespace portcullis::scanner {

std::string_view dpkg_list_package(std::string_view path) {
  if (!path.starts_with(kDpkgInfoDir) || !path.ends_with(".list")) return {};
  std::string_view name = path.substr(kDpkgInfoDir.size());
  name.remove_suffix(5);
  if (name.find('/') != std::string_view::npos) return {};
  return name.substr(0, name.find(':'));  // "pkg:amd64" for Multi-Arch: same
}

bool is_metadata_path(std::string_view path) {
  if (path == kEtcOsRelease || path == kUsrLibOsRelease || path == kDpkgStatus ||
      path == kApkInstalled || path == kApkInstalledUsr) {
    return true;
  }
  if (path.starts_with(kDpkgStatusDir)) {
    std::string_view name = path.substr(kDpkgStatusDir.size());
    return !name.empty() && name.find('/') == std::string_view::npos && !name.ends_with(".md5sums");
  }
  std::string_view pkg = dpkg_list_package(path);
  return !pkg.empty() && is_ssh_server_package(pkg);
}

}  // namespace portcullis::scanner
