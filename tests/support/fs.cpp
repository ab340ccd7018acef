#include "tests/support/fs.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace portcullis::testsupport {
namespace {

bool keep_temp() {
  const char* v = std::getenv("PORTCULLIS_KEEP_TEMP");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

}  // namespace

TempDir::TempDir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  path_ = buf.data();
}

TempDir::~TempDir() { remove(); }

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

std::string TempDir::operator/(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

std::string TempDir::mkdir(std::string_view name) const {
  std::string p = *this / name;
  make_dirs(p);
  return p;
}

void TempDir::remove() noexcept {
  if (path_.empty()) return;
  if (keep_temp()) {
    std::cerr << "[testsupport] keeping " << path_ << "\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) std::cerr << "[testsupport] could not remove " << path_ << ": " << ec.message() << "\n";
  }
  path_.clear();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, std::string_view content, int mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("short write to " + path);
  }
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw std::runtime_error("mkdir -p " + path + ": " + ec.message());
}

}  // namespace portcullis::testsupport
