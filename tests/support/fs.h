// Temp directories and small file helpers for tests that start real peers.
#pragma once

#include <string>
#include <string_view>

namespace portcullis::testsupport {

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
// Set PORTCULLIS_KEEP_TEMP=1 to keep it (its path is printed) when debugging a peer.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "portcullis");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name; does not create anything.
  std::string operator/(std::string_view name) const;
  // Creates (with parents) and returns path() + "/" + name.
  std::string mkdir(std::string_view name) const;

 private:
  void remove() noexcept;
  std::string path_;
};

// Throw std::runtime_error on failure: these are test set-up steps.
std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view content, int mode = 0644);
void make_dirs(const std::string& path);

}  // namespace portcullis::testsupport
