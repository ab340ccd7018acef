// A strict parser for the small subset of TOML that docker/nodes/ uses: [table], [[array-table]],
// dotted headers with quoted parts, and `key = value` with strings, booleans, integers and
// one-line arrays of strings. Anything else is an error, so a typo in a node config fails a test.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace portcullis::docker_test {

struct TomlValue {
  enum class Type { kString, kBool, kInteger, kStringArray } type = Type::kString;
  std::string text;                // kString: the string; kBool: "true"/"false"; kInteger: digits
  std::vector<std::string> items;  // kStringArray
};

struct TomlTable {
  std::vector<std::string> header;  // {} for the root table; {"host", "https://x:1"} for [host."…"]
  bool array_item = false;          // declared with [[...]]
  std::map<std::string, TomlValue> values;
};

struct TomlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Tables in file order; the first is the root table. Throws TomlError with "line N: ...".
std::vector<TomlTable> ParseTomlSubset(const std::string& text);

}  // namespace portcullis::docker_test
