#include "policy/version_constraint.h"

#include <gtest/gtest.h>

namespace portcullis::policy {
namespace {

using Outcome = VersionConstraint::Outcome;

TEST(Version, ParsesSemanticIshTags) {
  auto v = Version::parse("8.0.53-jdk11");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->count, 3);
  EXPECT_EQ(v->parts[2], 53u);
  EXPECT_EQ(v->suffix, "-jdk11");
  EXPECT_EQ(Version::parse("v1.2")->count, 2);
  EXPECT_EQ(Version::parse("1.25-alpine")->suffix, "-alpine");
  EXPECT_EQ(Version::parse("2023.10.1")->parts[0], 2023u);
  EXPECT_EQ(Version::parse("1.2.x")->suffix, ".x");
  EXPECT_FALSE(Version::parse("latest"));
  EXPECT_FALSE(Version::parse("v"));
  EXPECT_FALSE(Version::parse("sha-abc123"));
  EXPECT_FALSE(Version::parse("1.2.3.4.5.6.7.8.9"));       // too many components
  EXPECT_FALSE(Version::parse("1234567890123456789012"));  // too many digits
  EXPECT_EQ(Version::parse("8.1")->compare(*Version::parse("8.1.0")), 0);
  EXPECT_LT(Version::parse("8.0.53")->compare(*Version::parse("8.1")), 0);
  EXPECT_GT(Version::parse("10.0")->compare(*Version::parse("9.9.9")), 0);
}

struct Case {
  std::string constraint;
  std::string tag;
  Outcome outcome;
};

class ConstraintTest : public ::testing::TestWithParam<Case> {};

TEST_P(ConstraintTest, Checks) {
  const Case& c = GetParam();
  auto vc = VersionConstraint::parse(c.constraint);
  ASSERT_TRUE(vc.ok()) << vc.error();
  EXPECT_EQ(vc->check(c.tag), c.outcome) << c.constraint << " vs " << c.tag;
}

INSTANTIATE_TEST_SUITE_P(
    Constraints, ConstraintTest,
    ::testing::Values(
        Case{">=8.0 <8.1", "8.0", Outcome::Satisfied},
        Case{">=8.0 <8.1", "8.0.53", Outcome::Satisfied},
        Case{">=8.0 <8.1", "8.0.53-jdk11", Outcome::Satisfied},
        Case{">=8.0 <8.1", "8.1", Outcome::Unsatisfied},
        Case{">=8.0 <8.1", "8.1.0", Outcome::Unsatisfied},
        Case{">=8.0 <8.1", "7.0.109", Outcome::Unsatisfied},
        Case{">=8.0 <8.1", "9.0", Outcome::Unsatisfied},
        Case{">=8.0 <8.1", "latest", Outcome::NotAVersion},
        Case{">=8.0 <8.1", "v8.0.1", Outcome::Satisfied},
        Case{">= 8.0 < 8.1", "8.0.2", Outcome::Satisfied},
        Case{"8.0.*", "8.0.53-jdk11", Outcome::Satisfied},
        Case{"8.0.*", "8.1.0", Outcome::Unsatisfied},
        Case{"8.0.*", "latest", Outcome::Unsatisfied},  // a glob is not numeric
        Case{"8.0", "8.0", Outcome::Satisfied}, Case{"8.0", "8.0.53", Outcome::Satisfied},
        Case{"8.0", "8.01", Outcome::Unsatisfied}, Case{"8.0", "8", Outcome::Unsatisfied},
        Case{"=8.0", "8.0.0", Outcome::Satisfied}, Case{"=8.0", "8.0.53", Outcome::Unsatisfied},
        Case{"==1.2.3", "1.2.3-r1", Outcome::Satisfied},
        Case{"!=1.2.3", "1.2.4", Outcome::Satisfied},
        Case{"!=1.2.3", "1.2.3", Outcome::Unsatisfied}, Case{">1", "1.0.1", Outcome::Satisfied},
        Case{"<=1.2", "1.2.0", Outcome::Satisfied},
        Case{"<2.0 || >=3.1", "1.9", Outcome::Satisfied},
        Case{"<2.0 || >=3.1", "2.5", Outcome::Unsatisfied},
        Case{"<2.0 || >=3.1", "3.1.4", Outcome::Satisfied},
        Case{">=1.25 *-alpine", "1.25.3-alpine", Outcome::Satisfied},
        Case{">=1.25 *-alpine", "1.25.3", Outcome::Unsatisfied},
        Case{">=1.25 *-alpine", "1.24-alpine", Outcome::Unsatisfied},
        Case{"latest || >=2", "latest", Outcome::Satisfied},
        Case{"stable-*", "stable-2024", Outcome::Satisfied},
        Case{"8.0.53-jdk11", "8.0.53-jdk11", Outcome::Satisfied},
        Case{"8.0.53-jdk11", "8.0.53", Outcome::Unsatisfied}));

struct Bad {
  std::string constraint;
  std::string error;
};
class ConstraintRejectTest : public ::testing::TestWithParam<Bad> {};

TEST_P(ConstraintRejectTest, Rejects) {
  auto vc = VersionConstraint::parse(GetParam().constraint);
  ASSERT_FALSE(vc.ok());
  EXPECT_EQ(vc.error(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Constraints, ConstraintRejectTest,
    ::testing::Values(
        Bad{"", "invalid version constraint \"\": it is empty"},
        Bad{">=abc",
            "invalid version constraint \">=abc\": \"abc\" is not a version (expected "
            "dotted numbers such as 8.0.53)"},
        Bad{">=8.0 <", "invalid version constraint \">=8.0 <\": comparator \"<\" has no version"},
        Bad{">>8",
            "invalid version constraint \">>8\": \">>8\" is not a comparator followed by a "
            "version"},
        Bad{"|| 8", "invalid version constraint \"|| 8\": \"||\" needs a term on each side"},
        Bad{"8 ||", "invalid version constraint \"8 ||\": \"||\" needs a term on each side"},
        Bad{">=8.*",
            "invalid version constraint \">=8.*\": comparator \">=8.*\" cannot take a "
            "glob"},
        Bad{"<8.0-jdk",
            "invalid version constraint \"<8.0-jdk\": \"8.0-jdk\" is not a version "
            "(expected dotted numbers such as 8.0.53)"},
        Bad{"8.[0]*",
            "invalid version constraint \"8.[0]*\": tag glob \"8.[0]*\" contains an "
            "invalid character '['"},
        Bad{"8.0.***",
            "invalid version constraint \"8.0.***\": tag glob \"8.0.***\": '***' is "
            "not a valid wildcard (use '*' or '**')"}));

}  // namespace
}  // namespace portcullis::policy
