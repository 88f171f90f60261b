// The normalisation rules of docs/migration.md, value by value: what is kept, what is
// changed (and said), what is refused (and why).
#include "normalise.h"

#include <gtest/gtest.h>

namespace {

using platform::core::ErrorCode;
using platform::core::format_rfc3339;

TEST(SubjectCode, KeepsAValidCodeAsItIs) {
  const auto code = sylmigrate::subject_code("CS-101");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->value, "CS-101");
  EXPECT_FALSE(code->changed());
}

TEST(SubjectCode, UpperCasesAndJoinsWithDashesAndSaysSo) {
  const auto code = sylmigrate::subject_code("  cs 101 ");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->value, "CS-101");
  EXPECT_NE(code->how.find("upper-cased"), std::string::npos);
  EXPECT_NE(code->how.find("replaced by '-'"), std::string::npos);
  EXPECT_EQ(sylmigrate::subject_code("math_2.1")->value, "MATH-2-1");
  EXPECT_EQ(sylmigrate::subject_code("a  b")->value, "A-B");  // one dash for a run
}

TEST(SubjectCode, RefusesWhatCannotBeACode) {
  for (const char* raw : {"", "x", "ÉTUDES-1", "A-VERY-LONG-CODE-OF-MORE-THAN-TWENTY", "C#"}) {
    const auto code = sylmigrate::subject_code(raw);
    ASSERT_FALSE(code) << raw;
    EXPECT_EQ(code.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(AcademicYear, WritesEveryFormAsTheFirstAndNextYear) {
  for (const char* raw :
       {"2025/2026", "2025-2026", "2025-26", "2025/26", "2025\u201326", "2025", " 2025/2026 "}) {
    const auto year = sylmigrate::academic_year(raw);
    ASSERT_TRUE(year) << raw << ": " << year.error().detail();
    EXPECT_EQ(year->value, "2025/2026") << raw;
  }
  EXPECT_FALSE(sylmigrate::academic_year("2025/2026")->changed());
  EXPECT_TRUE(sylmigrate::academic_year("2025-26")->changed());
  EXPECT_EQ(sylmigrate::academic_year("2099-00")->value, "2099/2100");
}

TEST(AcademicYear, RefusesYearsThatDoNotFollowEachOther) {
  for (const char* raw : {"2025/2027", "2025-24", "next year", "25/26", "2025/2026/2027", ""}) {
    EXPECT_FALSE(sylmigrate::academic_year(raw)) << raw;
  }
}

TEST(Term, ReadsTheMonolithsNamesInAnyCase) {
  const std::vector<std::pair<const char*, const char*>> cases{
      {"Fall", "autumn"},         {"autumn", "autumn"},   {"1", "autumn"},      {"S1", "autumn"},
      {"S2", "spring"},           {"Spring", "spring"},   {"summer", "summer"}, {"3", "summer"},
      {"Full Year", "full_year"}, {"annual", "full_year"}};
  for (const auto& [raw, expected] : cases) {
    const auto term = sylmigrate::term(raw);
    ASSERT_TRUE(term) << raw;
    EXPECT_EQ(term->value, expected) << raw;
  }
  EXPECT_FALSE(sylmigrate::term("autumn")->changed());
  EXPECT_EQ(sylmigrate::term("Fall")->how, "\"Fall\" read as autumn");
  EXPECT_FALSE(sylmigrate::term("4"));
  EXPECT_FALSE(sylmigrate::term(""));
}

TEST(SyllabusStatus, ReadsStatusesInAnyCase) {
  EXPECT_EQ(sylmigrate::syllabus_status("PUBLISHED")->value, "published");
  EXPECT_EQ(sylmigrate::syllabus_status("Draft")->value, "draft");
  EXPECT_EQ(sylmigrate::syllabus_status("submitted")->value, "in_review");
  EXPECT_EQ(sylmigrate::syllabus_status("approved")->value, "published");
  EXPECT_EQ(sylmigrate::syllabus_status("retired")->value, "archived");
  EXPECT_FALSE(sylmigrate::syllabus_status("published")->changed());
  EXPECT_FALSE(sylmigrate::syllabus_status("deleted"));
}

TEST(Timestamp, ReadsEveryFormTheMonolithWrote) {
  const std::string expected = "2024-11-19T07:06:40.000000Z";  // 1732000000
  const std::vector<const char*> forms{"2024-11-19T07:06:40Z", "2024-11-19T09:06:40+02:00",
                                       "2024-11-19T07:06:40",  "2024-11-19 07:06:40",
                                       "1732000000",           "1732000000000"};
  for (const char* raw : forms) {
    const auto when = sylmigrate::timestamp(raw);
    ASSERT_TRUE(when) << raw << ": " << when.error().detail();
    EXPECT_EQ(format_rfc3339(when->value), expected) << raw;
  }
  EXPECT_FALSE(sylmigrate::timestamp("2024-11-19T07:06:40Z")->changed());
  EXPECT_EQ(sylmigrate::timestamp("2024-11-19 07:06:40")->how, "no zone: taken as UTC");
  EXPECT_EQ(sylmigrate::timestamp("1732000000")->how, "Unix seconds");
  EXPECT_EQ(format_rfc3339(sylmigrate::timestamp("2024-11-19")->value),
            "2024-11-19T00:00:00.000000Z");
}

TEST(Timestamp, RefusesWhatIsNotATime) {
  for (const char* raw : {"", "yesterday", "19/11/2024", "12345", "2024-13-40 25:00:00"}) {
    EXPECT_FALSE(sylmigrate::timestamp(raw)) << raw;
  }
}

TEST(Credits, KeepsNullAndRefusesNonsense) {
  EXPECT_FALSE(sylmigrate::credits(std::nullopt)->value.has_value());
  EXPECT_EQ(sylmigrate::credits(6)->value, 6);
  EXPECT_FALSE(sylmigrate::credits(-1));
  EXPECT_FALSE(sylmigrate::credits(61));
}

}  // namespace
