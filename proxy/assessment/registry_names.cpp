#include <algorithm>

#include "proxy/assessment/registry_reader.h"
#include "proxy/store/digest.h"

namespace portcullis::proxy::assessment {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool is_component(std::string_view c) {
  if (c.empty() || !lower_alnum(c.front()) || !lower_alnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (lower_alnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !lower_alnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    const bool ok = sep == "." || sep == "_" || sep == "__" ||
                    std::all_of(sep.begin(), sep.end(), [](char x) { return x == '-'; });
    if (!ok) return false;
    i = j;
  }
  return true;
}

}  // namespace

bool is_valid_repository(std::string_view repository) {
  if (repository.empty() || repository.size() > 255) return false;
  size_t start = 0;
  for (;;) {
    const size_t slash = repository.find('/', start);
    const auto part =
        repository.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!is_component(part)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag.front())) return false;
  return std::all_of(tag.begin(), tag.end(),
                     [&](char c) { return word(c) || c == '.' || c == '-'; });
}

bool is_valid_digest(std::string_view digest) { return store::check_digest(digest).has_value(); }

bool is_valid_reference(std::string_view reference) {
  return is_valid_digest(reference) || is_valid_tag(reference);
}

}  // namespace portcullis::proxy::assessment
