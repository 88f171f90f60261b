#include <gtest/gtest.h>

#include "application/fake_subject_repository.h"
#include "application/get_subject.h"
#include "application/list_subjects.h"

namespace subject_service::application {
namespace {

using platform::core::ErrorCode;

class SubjectQueries : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 5; ++i) {
      const auto id = platform::core::Uuid::v7();
      repository_.subjects_[id] = domain::new_subject(
          id, {.code = "S-" + std::to_string(i), .name = "n", .department = i % 2 ? "odd" : "even"},
          {});
    }
  }
  testing::FakeSubjectRepository repository_;
  ListSubjectsHandler list_{repository_};
};

TEST_F(SubjectQueries, PagesThroughEverySubjectOnceWithCursors) {
  std::vector<std::string> codes;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    auto page = list_.handle({.limit = 2, .cursor = cursor});
    ASSERT_TRUE(page);
    for (const auto& subject : page->items) codes.push_back(subject.code);
    cursor = page->next_cursor;
    ++pages;
  } while (cursor);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(codes, (std::vector<std::string>{"S-0", "S-1", "S-2", "S-3", "S-4"}));
}

TEST_F(SubjectQueries, LastPageHasNoCursor) {
  auto page = list_.handle({.limit = 5});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 5u);
  EXPECT_FALSE(page->next_cursor);
}

TEST_F(SubjectQueries, PassesFiltersToTheRepository) {
  auto page = list_.handle({.limit = 10, .department = "odd", .text = "S-"});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_EQ(repository_.last_filter_->text, "S-");
}

TEST_F(SubjectQueries, RejectsOutOfRangeLimitsAndForeignCursorsTogether) {
  auto page = list_.handle({.limit = 201, .cursor = "not-a-cursor!"});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(page.error().field_errors().size(), 2u);
  EXPECT_FALSE(list_.handle({.limit = 0}));
  EXPECT_TRUE(list_.handle({.limit = 200}));
}

TEST(Cursor, RoundTripsAnIdAndRejectsOtherText) {
  const auto id = platform::core::Uuid::v7();
  EXPECT_EQ(platform::core::uuid_from_cursor(platform::core::to_cursor(id)), id);
  EXPECT_FALSE(platform::core::uuid_from_cursor("abc"));
  EXPECT_FALSE(platform::core::uuid_from_cursor(""));
}

TEST(GetSubject, ReportsNotFound) {
  testing::FakeSubjectRepository repository;
  GetSubjectHandler get(repository);
  auto subject = get.handle({platform::core::Uuid::v7()});
  ASSERT_FALSE(subject);
  EXPECT_EQ(subject.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace subject_service::application
