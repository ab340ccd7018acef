// Files whose content the scanner reads (bounded) instead of skipping.
#pragma once

#include <string_view>

namespace portcullis::scanner {

inline constexpr std::string_view kEtcOsRelease = "/etc/os-release";
inline constexpr std::string_view kUsrLibOsRelease = "/usr/lib/os-release";
inline constexpr std::string_view kDpkgStatus = "/var/lib/dpkg/status";
inline constexpr std::string_view kDpkgStatusDir = "/var/lib/dpkg/status.d/";  // distroless
inline constexpr std::string_view kDpkgInfoDir = "/var/lib/dpkg/info/";
inline constexpr std::string_view kApkInstalled = "/lib/apk/db/installed";
inline constexpr std::string_view kApkInstalledUsr = "/usr/lib/apk/db/installed";

// The dpkg package that owns a "<info dir><name>[:arch].list" file, or "" when
// `path` is not such a file.
std::string_view dpkg_list_package(std::string_view path);

// True for os-release, the dpkg and apk databases, and the file lists of the
// SSH server packages (to tell which package owns an sshd binary).
bool is_metadata_path(std::string_view path);

}  // namespace portcullis::scanner
