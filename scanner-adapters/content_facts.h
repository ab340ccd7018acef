// Content facts (files, os-release, packages, SSH servers) from the merged view.
#pragma once

#include "policy/facts.h"
#include "scanner-adapters/merged_fs.h"

namespace portcullis::scanner {

// Consumes the view's files (it is left empty). rpm databases are not read:
// Debian has no well-kept library that reads the sqlite/bdb rpmdb from memory.
policy::ContentFacts collect_content_facts(MergedFilesystem& fs);

}  // namespace portcullis::scanner
