// Package inventories read from an image's package databases. Input is
// untrusted and bounded by Limits::max_metadata_file_bytes.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "policy/facts.h"

namespace portcullis::scanner {

// /var/lib/dpkg/status (require_status = true: only packages whose Status
// says "installed", e.g. "install ok installed") or a distroless
// /var/lib/dpkg/status.d/<pkg> file (require_status = false: those carry the
// .deb control fields and usually no Status). Source defaults to the package
// name and loses its "(version)" suffix, as dpkg defines it.
std::vector<policy::Package> parse_dpkg_status(std::string_view text, bool require_status);

// /lib/apk/db/installed: P: name, V: version, A: arch, o: origin.
std::vector<policy::Package> parse_apk_installed(std::string_view text);

// os-release(5): KEY=value lines, shell-style quoting; at most 64 keys.
std::map<std::string, std::string> parse_os_release(std::string_view text);

}  // namespace portcullis::scanner
