#include "scanner-adapters/package_db.h"

#include <algorithm>

namespace portcullis::scanner {
namespace {

// Yields the lines of `text` one at a time (without '\n' or a trailing '\r').
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (line.ends_with('\r')) line.remove_suffix(1);
    pos_ = end + 1;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct DpkgParagraph {
  std::string package, version, source, arch, status;
  bool has_status = false;
};

void finish_dpkg(DpkgParagraph& p, bool require_status, std::vector<policy::Package>& out) {
  if (!p.package.empty()) {
    bool installed = true;
    if (p.has_status || require_status) {
      // "want flag state": the state (third word) must be "installed".
      std::string_view st = p.status;
      size_t last = st.rfind(' ');
      installed =
          p.has_status && last != std::string_view::npos && st.substr(last + 1) == "installed";
    }
    if (installed) {
      std::string source = p.source.empty() ? p.package : p.source;
      out.push_back({"dpkg", std::move(p.package), std::move(p.version), std::move(source),
                     std::move(p.arch)});
    }
  }
  p = DpkgParagraph{};
}

}  // namespace

std::vector<policy::Package> parse_dpkg_status(std::string_view text, bool require_status) {
  std::vector<policy::Package> out;
  DpkgParagraph p;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (trim(line).empty()) {
      finish_dpkg(p, require_status, out);
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;  // continuation
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (key == "Package") {
      p.package = value;
    } else if (key == "Version") {
      p.version = value;
    } else if (key == "Architecture") {
      p.arch = value;
    } else if (key == "Source") {
      p.source = trim(value.substr(0, value.find('(')));  // "glibc (2.36-9)" -> "glibc"
    } else if (key == "Status") {
      p.status = value;
      p.has_status = true;
    }
  }
  finish_dpkg(p, require_status, out);
  return out;
}

std::vector<policy::Package> parse_apk_installed(std::string_view text) {
  std::vector<policy::Package> out;
  policy::Package p;
  auto finish = [&] {
    if (!p.name.empty()) {
      p.ecosystem = "apk";
      if (p.source.empty()) p.source = p.name;
      out.push_back(std::move(p));
    }
    p = policy::Package{};
  };
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (line.empty()) {
      finish();
      continue;
    }
    if (line.size() < 2 || line[1] != ':') continue;
    std::string_view value = line.substr(2);
    switch (line[0]) {
      case 'P':
        p.name = value;
        break;
      case 'V':
        p.version = value;
        break;
      case 'A':
        p.arch = value;
        break;
      case 'o':
        p.source = value;
        break;
      default:
        break;
    }
  }
  finish();
  return out;
}

std::map<std::string, std::string> parse_os_release(std::string_view text) {
  std::map<std::string, std::string> out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line) && out.size() < 64) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string_view key = line.substr(0, eq);
    bool key_ok = std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!key_ok) continue;
    std::string_view raw = line.substr(eq + 1);
    std::string value;
    char quote = 0;
    for (size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
      } else if (quote != 0 && c == quote) {
        quote = 0;
      } else if (c == '\\' && quote != '\'' && i + 1 < raw.size()) {
        value += raw[++i];
      } else {
        value += c;
      }
    }
    out[std::string(key)] = std::move(value);
  }
  return out;
}

}  // namespace portcullis::scanner
