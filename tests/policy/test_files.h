// Reading fixtures in the policy tests (the library itself does no I/O).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace portcullis::policy::testing {

inline const std::filesystem::path kSourceDir = PORTCULLIS_SOURCE_DIR;

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace portcullis::policy::testing
