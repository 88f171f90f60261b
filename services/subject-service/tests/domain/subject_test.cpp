#include "domain/subject.h"

#include <gtest/gtest.h>

namespace subject_service::domain {
namespace {

using platform::core::FieldError;

SubjectDraft valid_draft() {
  return {.code = "CS-101",
          .name = "Programming",
          .description = "Basics",
          .credits = 6,
          .department = "Computer Science"};
}

std::vector<std::string> fields_of(const std::vector<FieldError>& errors) {
  std::vector<std::string> fields;
  for (const auto& error : errors) fields.push_back(error.field);
  return fields;
}

TEST(SubjectRules, AcceptAValidDraft) {
  EXPECT_TRUE(validate(valid_draft(), Completeness::kAllRequired).empty());
}

TEST(SubjectRules, RequireCodeAndNameOnCreateOnly) {
  SubjectDraft draft;
  EXPECT_EQ(fields_of(validate(draft, Completeness::kAllRequired)),
            (std::vector<std::string>{"code", "name"}));
  EXPECT_TRUE(validate(draft, Completeness::kPartial).empty());
}

TEST(SubjectRules, AcceptCodesOfTwoToTwentyUpperCaseLettersDigitsAndDashes) {
  for (const char* code : {"AB", "CS-101", "A1B2C3D4E5F6G7H8I9J0", "--"}) {
    SubjectDraft draft = valid_draft();
    draft.code = code;
    EXPECT_TRUE(validate(draft, Completeness::kAllRequired).empty()) << code;
  }
  for (const char* code :
       {"A", "cs-101", "CS 101", "CS_101", "A1B2C3D4E5F6G7H8I9J0K", "", "CŞ-1"}) {
    SubjectDraft draft = valid_draft();
    draft.code = code;
    EXPECT_EQ(fields_of(validate(draft, Completeness::kAllRequired)),
              std::vector<std::string>{"code"})
        << code;
  }
}

TEST(SubjectRules, CountNameLengthInCharactersNotBytes) {
  SubjectDraft draft = valid_draft();
  std::string name;
  for (int i = 0; i < 200; ++i) name += "é";  // 400 bytes, 200 characters
  draft.name = name;
  EXPECT_TRUE(validate(draft, Completeness::kAllRequired).empty());
  draft.name = name + "é";
  EXPECT_EQ(fields_of(validate(draft, Completeness::kAllRequired)),
            std::vector<std::string>{"name"});
}

TEST(SubjectRules, RejectBlankNamesAndControlCharacters) {
  SubjectDraft draft = valid_draft();
  draft.name = "   ";
  EXPECT_EQ(validate(draft, Completeness::kPartial).at(0).message, "must not be empty");
  draft.name = "Bad\x01name";
  EXPECT_EQ(validate(draft, Completeness::kPartial).at(0).message,
            "must not contain control characters");
  draft.name = "ok";
  draft.description = "line one\nline two\ttabbed";
  EXPECT_TRUE(validate(draft, Completeness::kPartial).empty());
}

TEST(SubjectRules, BoundCreditsDescriptionAndDepartment) {
  SubjectDraft draft = valid_draft();
  draft.credits = 61;
  draft.description = std::string(2001, 'x');
  draft.department = std::string(101, 'x');
  EXPECT_EQ(fields_of(validate(draft, Completeness::kAllRequired)),
            (std::vector<std::string>{"description", "credits", "department"}));
  draft.credits = -1;
  draft.description = std::string(2000, 'x');
  draft.department = std::string(100, 'x');
  EXPECT_EQ(fields_of(validate(draft, Completeness::kAllRequired)),
            std::vector<std::string>{"credits"});
}

TEST(Subject, StartsAtVersionOneAndMovesOnWithEveryChange) {
  const auto t0 = platform::core::now_utc();
  const Subject subject = new_subject(platform::core::Uuid::v7(), valid_draft(), t0);
  EXPECT_EQ(subject.version, 1);
  EXPECT_EQ(subject.created_at, t0);
  EXPECT_EQ(subject.code, "CS-101");
  const auto t1 = t0 + std::chrono::seconds(1);
  const Subject changed = apply(subject, {.name = "Programming I"}, t1);
  EXPECT_EQ(changed.version, 2);
  EXPECT_EQ(changed.name, "Programming I");
  EXPECT_EQ(changed.code, "CS-101");
  EXPECT_EQ(changed.created_at, t0);
  EXPECT_EQ(changed.updated_at, t1);
}

TEST(Subject, KnowsWhenADraftChangesNothing) {
  const Subject subject = new_subject(platform::core::Uuid::v7(), valid_draft(), {});
  EXPECT_TRUE(changes_nothing(subject, {}));
  EXPECT_TRUE(changes_nothing(subject, {.code = "CS-101", .credits = 6}));
  EXPECT_FALSE(changes_nothing(subject, {.credits = 5}));
}

TEST(Subject, MatchesAnIfMatchOnlyAtItsVersion) {
  const Subject subject = new_subject(platform::core::Uuid::v7(), valid_draft(), {});
  EXPECT_TRUE(check_version(subject, std::nullopt));
  EXPECT_TRUE(check_version(subject, 1));
  auto stale = check_version(subject, 2);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), platform::core::ErrorCode::kVersionMismatch);
  EXPECT_EQ(stale.error().detail(), "subject is at version 1, not 2");
}

}  // namespace
}  // namespace subject_service::domain
