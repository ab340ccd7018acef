#include "policy/facts_index.h"

#include <gtest/gtest.h>

#include <memory>

namespace portcullis::policy {
namespace {

TEST(FactsIndex, ReversedOrderGroupsSuffixes) {
  EXPECT_TRUE(reversed_less("sshd", "/usr/sbin/sshd"));  // a suffix sorts first
  EXPECT_FALSE(reversed_less("/usr/sbin/sshd", "sshd"));
  EXPECT_TRUE(reversed_less("/a/b", "/a/c"));
  EXPECT_FALSE(reversed_less("/x", "/x"));

  ImageFacts f;
  f.content = ContentFacts{};
  for (const char* p : {"/usr/sbin/sshd", "/bin/bash", "/sbin/sshd", "/usr/bin/ssh", "/etc/a"})
    f.content->files.push_back({p, FileType::Regular, 0755, 0, ""});
  FactsIndex index = FactsIndex::build(f);
  EXPECT_FALSE(index.files_sorted);
  std::vector<std::string> order;
  for (uint32_t i : index.by_suffix) order.push_back(f.content->files[i].path);
  EXPECT_EQ(order, (std::vector<std::string>{"/etc/a", "/sbin/sshd", "/usr/sbin/sshd", "/bin/bash",
                                             "/usr/bin/ssh"}));
}

TEST(FactsIndex, SeveritiesAndFit) {
  ImageFacts f;
  f.vulnerabilities = VulnerabilityFacts{"s",
                                         "r",
                                         {{"CVE-1", "HIGH", "p", "1", "2"},
                                          {"CVE-2", "", "p", "1", ""},
                                          {"CVE-3", "low", "p", "1", "2"}}};
  FactsIndex index = FactsIndex::build(f);
  EXPECT_EQ(index.severity,
            (std::vector<Severity>{Severity::High, Severity::Critical, Severity::Low}));
  EXPECT_EQ(index.max_all, Severity::Critical);  // unknown counts as critical
  EXPECT_EQ(index.max_fixed, Severity::High);
  EXPECT_TRUE(index.fits(f));
  ImageFacts other = f;
  other.vulnerabilities->vulnerabilities.pop_back();
  EXPECT_FALSE(index.fits(other));  // evaluation then ignores the index
  other.content = ContentFacts{};
  EXPECT_FALSE(index.fits(other));
}

}  // namespace
}  // namespace portcullis::policy

namespace portcullis::policy {
namespace {

TEST(PreparedFacts, KeepsFactsAndAMatchingIndex) {
  ImageFacts f;
  f.content = ContentFacts{};
  f.content->files = {{"/a", FileType::Regular, 0644, 1, ""},
                      {"/b", FileType::Regular, 0644, 1, ""}};
  auto prepared = std::make_shared<const PreparedFacts>(std::move(f));
  EXPECT_TRUE(prepared->index.fits(prepared->facts));
  EXPECT_TRUE(prepared->index.files_sorted);
  EXPECT_EQ(prepared->index.by_suffix.size(), 2u);
}

}  // namespace
}  // namespace portcullis::policy
