#include "scanner-adapters/tar_path.h"

#include <cstdio>

namespace portcullis::scanner {

NormalisedPath normalise_tar_path(std::string_view raw, bool absolute_ok) {
  NormalisedPath out;
  if (raw.empty()) {
    out.verdict = PathVerdict::Empty;
    return out;
  }
  if (raw.front() == '/' && !absolute_ok) out.verdict = PathVerdict::Absolute;
  out.path.reserve(raw.size() + 1);
  size_t i = 0;
  while (i < raw.size()) {
    size_t j = raw.find('/', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string_view part = raw.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      out.verdict = PathVerdict::Traversal;
      return out;
    }
    out.path += '/';
    out.path += part;
  }
  if (out.path.empty()) out.path.push_back('/');
  return out;
}

std::string quote_path(std::string_view raw) {
  std::string out = "\"";
  size_t n = 0;
  for (unsigned char c : raw) {
    if (++n > 200) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string_view parent_of(std::string_view p) {
  size_t slash = p.rfind('/');
  if (slash == 0 || slash == std::string_view::npos) return "/";
  return p.substr(0, slash);
}

std::string_view basename_of(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

}  // namespace portcullis::scanner
