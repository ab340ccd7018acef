// Built-in SSH server detector: sshd/dropbear binaries in bin/sbin
// directories, links (hard or symbolic) that reach them, and the server
// packages themselves.
#pragma once

#include <string_view>
#include <vector>

#include "policy/facts.h"
#include "scanner-adapters/merged_fs.h"

namespace portcullis::scanner {

inline constexpr std::string_view kSshDetector = "sshServer";

// Packages (dpkg and apk names) that install an SSH server.
bool is_ssh_server_package(std::string_view name);

// True for ".../bin/sshd", ".../sbin/dropbear", ".../bin/dropbearmulti".
bool is_ssh_server_binary_path(std::string_view path);

// Findings sorted by path; package-only findings (empty path) for installed
// server packages that no binary finding names already. A binary's detail is
// its owning package and version ("openssh-server 1:9.2p1-2+deb12u3"), from
// the dpkg file lists when present, else the installed server package.
std::vector<policy::Finding> detect_ssh_servers(const MergedFilesystem& fs,
                                                const std::vector<policy::Package>& packages);

}  // namespace portcullis::scanner
