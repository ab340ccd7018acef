// Path hygiene for tar entry names: every path in the merged view is absolute
// and normalised ("/usr/sbin/sshd"), and nothing can point outside the root.
#pragma once

#include <string>
#include <string_view>

namespace portcullis::scanner {

enum class PathVerdict { Ok, Empty, Traversal, Absolute };

struct NormalisedPath {
  PathVerdict verdict = PathVerdict::Ok;
  std::string path;  // "/a/b"; "/" for the root ("./", ".")
};

// Drops "." components, duplicate and trailing slashes. Any ".." component
// is Traversal (real layers never carry one, and resolving it lexically could
// differ from what an unpacker does through a symlinked parent). A leading
// "/" is Absolute unless absolute_ok, in which case it is relative to root.
NormalisedPath normalise_tar_path(std::string_view raw, bool absolute_ok);

// Quotes an untrusted path for an error message: printable ASCII kept,
// anything else escaped as \xNN, cut after 200 bytes.
std::string quote_path(std::string_view raw);

std::string_view parent_of(std::string_view abs_path);    // "/a/b" -> "/a", "/a" -> "/"
std::string_view basename_of(std::string_view abs_path);  // "/a/b" -> "b"
std::string join_path(std::string_view dir, std::string_view name);

}  // namespace portcullis::scanner
