#include <gtest/gtest.h>

#include "application/create_subject.h"
#include "application/delete_subject.h"
#include "application/fake_subject_repository.h"
#include "application/update_subject.h"

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
  DeleteSubjectHandler delete_{repository_, clock_};

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
  ASSERT_EQ(repository_.changes_.size(), 1u);
  EXPECT_EQ(std::get<domain::SubjectCreated>(repository_.changes_[0].event).subject, subject);
}

TEST_F(SubjectCommands, EventsCarryTheOriginOfTheRequest) {
  const EventOrigin origin{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "req-1"};
  ASSERT_TRUE(create_.handle({{.code = "CS-101", .name = "N"}, origin}));
  EXPECT_EQ(repository_.changes_.at(0).origin.traceparent, origin.traceparent);
  EXPECT_EQ(repository_.changes_.at(0).origin.correlation_id, "req-1");
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
  const auto& event = std::get<domain::SubjectUpdated>(repository_.changes_.back().event);
  EXPECT_EQ(event.subject, *updated);
  EXPECT_EQ(event.changed_fields, std::vector<std::string>{"credits"});
}

TEST_F(SubjectCommands, UpdateThatChangesNothingKeepsTheVersion) {
  const domain::Subject subject = created("CS-101");
  auto updated = update_.handle({subject.id, {.credits = 5}, std::nullopt});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->version, 1);
  EXPECT_EQ(repository_.update_calls_, 0);
  EXPECT_EQ(repository_.changes_.size(), 1u);  // the creation only: no event for no change
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
  repository_.interfering_writes_ = 2;
  auto updated = update_.handle({subject.id, {.credits = 6}, std::nullopt});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->credits, 6);
  EXPECT_EQ(repository_.update_calls_, 3);
}

TEST_F(SubjectCommands, UpdateWithIfMatchDoesNotRetryALostRace) {
  const domain::Subject subject = created("CS-101");
  repository_.interfering_writes_ = 1;
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

TEST_F(SubjectCommands, DeleteWithoutIfMatchRetriesWhenItLosesARace) {
  const domain::Subject subject = created("CS-101");
  repository_.interfering_writes_ = 2;
  EXPECT_TRUE(delete_.handle({subject.id, std::nullopt}));
  EXPECT_EQ(repository_.remove_calls_, 3);
  EXPECT_TRUE(repository_.subjects_.empty());
  // The event describes the version that was actually deleted.
  EXPECT_EQ(std::get<domain::SubjectDeleted>(repository_.changes_.back().event).subject.version, 3);
}

TEST_F(SubjectCommands, DeleteWithIfMatchDoesNotRetryALostRace) {
  const domain::Subject subject = created("CS-101");
  repository_.interfering_writes_ = 1;
  auto deleted = delete_.handle({subject.id, 1});
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(repository_.subjects_.size(), 1u);
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
  const auto& event = std::get<domain::SubjectDeleted>(repository_.changes_.back().event);
  EXPECT_EQ(event.subject, subject);
  EXPECT_EQ(event.deleted_at, now_);
  auto again = delete_.handle({subject.id, std::nullopt});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace subject_service::application
