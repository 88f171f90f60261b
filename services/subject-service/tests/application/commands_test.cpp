#include "application/commands.h"

#include <gtest/gtest.h>

#include "application/fake_subject_repository.h"

namespace subject_service::application {
namespace {

using platform::core::ErrorCode;

class SubjectCommands : public ::testing::Test {
 protected:
  platform::core::Timestamp now_ = platform::core::now_utc();
  Clock clock_ = [this] { return now_; };
  testing::FakeSubjectRepository repository_;
  CreateSubjectHandler create_{repository_, clock_, [] { return platform::core::Uuid::v7(); }};
  UpdateSubjectHandler update_{repository_, clock_};
  DeleteSubjectHandler delete_{repository_};

  domain::Subject created(const std::string& code) {
    auto subject = create_.handle({{.code = code, .name = "Name " + code, .credits = 5}});
    EXPECT_TRUE(subject);
    return *subject;
  }
};

TEST_F(SubjectCommands, CreateStoresAValidSubjectAtVersionOne) {
  const domain::Subject subject = created("CS-101");
  EXPECT_EQ(subject.version, 1);
  EXPECT_EQ(subject.created_at, now_);
  EXPECT_EQ(subject.id.version(), 7);
  EXPECT_EQ(repository_.subjects_.at(subject.id), subject);
}

TEST_F(SubjectCommands, CreateReportsEveryInvalidFieldAndStoresNothing) {
  auto result = create_.handle({{.code = "x", .credits = 99}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field_errors().size(), 3u);  // code, name, credits
  EXPECT_TRUE(repository_.subjects_.empty());
}

TEST_F(SubjectCommands, CreateRejectsADuplicateCode) {
  created("CS-101");
  auto result = create_.handle({{.code = "CS-101", .name = "Again"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(SubjectCommands, UpdateChangesOnlyTheGivenFieldsAndBumpsTheVersion) {
  const domain::Subject subject = created("CS-101");
  now_ += std::chrono::seconds(5);
  auto updated = update_.handle({subject.id, {.credits = 6}, std::nullopt});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->credits, 6);
  EXPECT_EQ(updated->name, subject.name);
  EXPECT_EQ(updated->updated_at, now_);
}

TEST_F(SubjectCommands, UpdateThatChangesNothingKeepsTheVersion) {
  const domain::Subject subject = created("CS-101");
  auto updated = update_.handle({subject.id, {.credits = 5}, std::nullopt});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->version, 1);
  EXPECT_EQ(repository_.update_calls, 0);
}

TEST_F(SubjectCommands, UpdateWithAStaleIfMatchFailsWithVersionMismatch) {
  const domain::Subject subject = created("CS-101");
  auto updated = update_.handle({subject.id, {.credits = 6}, 7});
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(repository_.subjects_.at(subject.id).credits, 5);
}

TEST_F(SubjectCommands, UpdateWithoutIfMatchRetriesWhenItLosesARace) {
  const domain::Subject subject = created("CS-101");
  repository_.interfering_writes = 2;
  auto updated = update_.handle({subject.id, {.credits = 6}, std::nullopt});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->credits, 6);
  EXPECT_EQ(repository_.update_calls, 3);
}

TEST_F(SubjectCommands, UpdateWithIfMatchDoesNotRetryALostRace) {
  const domain::Subject subject = created("CS-101");
  repository_.interfering_writes = 1;
  auto updated = update_.handle({subject.id, {.credits = 6}, 1});
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code(), ErrorCode::kVersionMismatch);
}

TEST_F(SubjectCommands, UpdateRejectsInvalidFieldsAndUnknownSubjects) {
  const domain::Subject subject = created("CS-101");
  auto invalid = update_.handle({subject.id, {.name = ""}, std::nullopt});
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code(), ErrorCode::kInvalidArgument);
  auto missing = update_.handle({platform::core::Uuid::v7(), {.credits = 1}, std::nullopt});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(SubjectCommands, UpdateToATakenCodeIsAConflict) {
  created("CS-101");
  const domain::Subject other = created("CS-102");
  auto updated = update_.handle({other.id, {.code = "CS-101"}, std::nullopt});
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(SubjectCommands, DeleteRemovesAndThenReportsNotFound) {
  const domain::Subject subject = created("CS-101");
  EXPECT_FALSE(delete_.handle({subject.id, 2}));
  EXPECT_TRUE(delete_.handle({subject.id, 1}));
  auto again = delete_.handle({subject.id, std::nullopt});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace subject_service::application
