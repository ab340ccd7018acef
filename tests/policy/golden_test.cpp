// Pins the exact `validate` output (file:line:col: message) for every broken
// manifest in tests/fixtures/policies/broken/. Regenerate the .expected files
// after a deliberate wording change with PORTCULLIS_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "policy/manifest_set.h"
#include "policy/verdict_format.h"
#include "tests/policy/test_files.h"

namespace portcullis::policy {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(PORTCULLIS_SOURCE_DIR) / "tests/fixtures/policies";

using testing::read_file;

// What `portcullis validate` does for one file, with display names relative
// to the fixtures directory so the output does not depend on the checkout.
std::string validate(const std::string& display_name) {
  ManifestSetBuilder b;
  b.add(read_file(kFixtures / display_name), display_name);
  b.resolve_keys([](const std::string& path) {
    if (fs::exists(kFixtures / path)) return KeyLoad{"fingerprint", ""};
    return KeyLoad{"", "No such file or directory"};
  });
  return to_text(b.diagnostics());
}

std::vector<std::string> broken_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kFixtures / "broken"))
    if (e.path().extension() == ".yaml") out.push_back("broken/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Golden, BrokenManifestsGiveExactDiagnostics) {
  std::vector<std::string> files = broken_files();
  ASSERT_GE(files.size(), 10u);
  bool update = std::getenv("PORTCULLIS_UPDATE_GOLDEN") != nullptr;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    std::string got = validate(file);
    EXPECT_FALSE(got.empty()) << "a broken fixture must produce diagnostics";
    fs::path expected = kFixtures / (file.substr(0, file.size() - 5) + ".expected");
    if (update) {
      std::ofstream(expected, std::ios::binary) << got;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected)) << expected;
    EXPECT_EQ(got, read_file(expected));
  }
}

}  // namespace
}  // namespace portcullis::policy
