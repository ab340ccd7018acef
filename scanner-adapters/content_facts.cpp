#include "scanner-adapters/content_facts.h"

#include <algorithm>

#include "scanner-adapters/metadata_paths.h"
#include "scanner-adapters/package_db.h"
#include "scanner-adapters/ssh_detector.h"

namespace portcullis::scanner {
namespace {

void append(std::vector<policy::Package>& to, std::vector<policy::Package> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

std::vector<policy::Package> inventory(const MergedFilesystem& fs) {
  std::vector<policy::Package> packages;
  if (const std::string* status = fs.content(kDpkgStatus)) {
    append(packages, parse_dpkg_status(*status, /*require_status=*/true));
  }
  const auto& contents = fs.contents();
  for (auto it = contents.lower_bound(kDpkgStatusDir);
       it != contents.end() && it->first.starts_with(kDpkgStatusDir); ++it) {
    append(packages, parse_dpkg_status(it->second, /*require_status=*/false));
  }
  for (std::string_view db : {kApkInstalled, kApkInstalledUsr}) {
    if (const std::string* installed = fs.content(db)) {
      append(packages, parse_apk_installed(*installed));
      break;  // /lib and /usr/lib are one directory on merged-usr images
    }
  }
  std::stable_sort(packages.begin(), packages.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ecosystem, a.name, a.arch) < std::tie(b.ecosystem, b.name, b.arch);
  });
  return packages;
}

// /etc/os-release (usually a symlink to ../usr/lib/os-release), else
// /usr/lib/os-release, as os-release(5) says.
std::map<std::string, std::string> os_release(const MergedFilesystem& fs) {
  for (std::string_view path : {kEtcOsRelease, kUsrLibOsRelease}) {
    auto resolved = fs.resolve(path);
    if (!resolved) continue;
    if (const std::string* text = fs.content(*resolved)) return parse_os_release(*text);
  }
  return {};
}

}  // namespace

policy::ContentFacts collect_content_facts(MergedFilesystem& fs) {
  policy::ContentFacts facts;
  facts.packages = inventory(fs);
  facts.os_release = os_release(fs);
  facts.findings = detect_ssh_servers(fs, facts.packages);
  facts.files = fs.take_files();
  return facts;
}

}  // namespace portcullis::scanner
