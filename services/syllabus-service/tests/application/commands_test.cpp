#include <gtest/gtest.h>

#include "application/syllabus_commands.h"
#include "application/syllabus_queries.h"
#include "fakes.h"

namespace syllabus_service::application {
namespace {

using domain::Status;
using platform::core::ErrorCode;
using platform::core::FieldError;
using platform::core::Timestamp;
using platform::core::Uuid;
using test::FakeReferences;
using test::FakeSyllabusRepository;

const Uuid kSubject = *Uuid::parse("0192f0c4-0000-7000-8000-000000000001");
const Uuid kFile = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000f1");
const Uuid kMissingFile = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000f9");
const Timestamp kT0 = *platform::core::parse_rfc3339("2026-05-01T08:00:00Z");

domain::SyllabusDraft complete_draft() {
  using namespace domain;
  return {
      .subject_id = kSubject,
      .academic_year = "2026/2027",
      .term = Term::kAutumn,
      .title = "Programming I",
      .summary = "Variables, functions and tests.",
      .languages = std::vector<std::string>{"en"},
      .ects_credits = EctsCredits{60},
      .teaching_mode = TeachingMode::kHybrid,
      .workload = Workload{.lectures = 26, .tutorials = 26, .labs = 0, .self_study = 108},
      .learning_outcomes = std::vector<LearningOutcome>{{"LO1", "Write a function."}},
      .schedule = std::vector<ScheduleSection>{{1, "Values", {"numbers"}}},
      .assessments =
          std::vector<Assessment>{{"Exam", AssessmentKind::kExam, Session::kFirst, 100, {"LO1"}}},
      .instructors = std::vector<Instructor>{{"Ada Lovelace", std::nullopt}},
      .attachments = std::vector<Uuid>{kFile}};
}

class SyllabusCommandsTest : public ::testing::Test {
 protected:
  SyllabusCommandsTest() {
    references_.subjects.insert(kSubject);
    references_.files.insert(kFile);
  }
  SyllabusCommands commands(bool review_required = true) {
    return SyllabusCommands(
        repository_, references_, [this] { return now_; },
        [this] {
          return Uuid::parse("0192f0c4-0000-7000-8000-0000000001" + std::to_string(10 + ids_++))
              .value();
        },
        {.review_required = review_required});
  }
  Actor actor(std::string who = "u-author") { return {.who = std::move(who)}; }
  domain::Syllabus created(SyllabusCommands& handler) {
    auto syllabus = handler.create({complete_draft(), actor()});
    EXPECT_TRUE(syllabus) << syllabus.error().detail();
    return *syllabus;
  }
  domain::Syllabus published(SyllabusCommands& handler) {
    const auto syllabus = created(handler);
    EXPECT_TRUE(handler.change_status(
        {.id = syllabus.id, .transition = Transition::kSubmit, .actor = actor()}));
    auto done = handler.change_status(
        {.id = syllabus.id, .transition = Transition::kPublish, .actor = actor("u-reviewer")});
    EXPECT_TRUE(done) << done.error().detail();
    return *done;
  }

  FakeSyllabusRepository repository_;
  FakeReferences references_;
  Timestamp now_ = kT0;
  int ids_ = 0;
};

TEST_F(SyllabusCommandsTest, CreatesADraftAndAnnouncesIt) {
  auto handler = commands();
  const auto syllabus = created(handler);
  EXPECT_EQ(syllabus.status, Status::kDraft);
  EXPECT_EQ(syllabus.created.by, "u-author");
  ASSERT_EQ(repository_.events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<domain::SyllabusCreated>(repository_.events[0]));
}

TEST_F(SyllabusCommandsTest, ASecondSyllabusForTheSameSubjectYearAndTermIsAConflict) {
  auto handler = commands();
  created(handler);
  auto again = handler.create({complete_draft(), actor()});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(SyllabusCommandsTest, AnUnknownSubjectOrFileIsAFieldProblemAndNothingIsStored) {
  auto handler = commands();
  auto draft = complete_draft();
  draft.subject_id = Uuid::parse("0192f0c4-0000-7000-8000-000000000099");
  draft.attachments = std::vector<Uuid>{kFile, kMissingFile};
  auto refused = handler.create({draft, actor()});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_EQ(refused.error().field_errors().size(), 2u);
  EXPECT_EQ(refused.error().field_errors()[0].field, "subject_id");
  EXPECT_EQ(refused.error().field_errors()[1].field, "attachments[1]");
  EXPECT_TRUE(repository_.events.empty());
}

TEST_F(SyllabusCommandsTest, APeerThatCannotBeAskedMakesTheCommandUnavailable) {
  auto handler = commands();
  references_.unavailable = true;
  auto refused = handler.create({complete_draft(), actor()});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(repository_.events.empty());
}

TEST_F(SyllabusCommandsTest, AnUpdateLooksUpOnlyTheReferencesItAdds) {
  auto handler = commands();
  const auto syllabus = created(handler);
  const int subject_calls = references_.subject_calls;
  auto changed =
      handler.update({syllabus.id, {.title = "Programming 1"}, syllabus.version, actor()});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->title, "Programming 1");
  EXPECT_EQ(changed->version, syllabus.version + 1);
  EXPECT_EQ(references_.subject_calls, subject_calls);
  auto stale = handler.update({syllabus.id, {.title = "Again"}, syllabus.version, actor()});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch);
}

TEST_F(SyllabusCommandsTest, PublishingFromDraftNeedsTheReviewStepSwitchedOff) {
  auto strict = commands(true);
  const auto syllabus = created(strict);
  auto refused = strict.change_status(
      {.id = syllabus.id, .transition = Transition::kPublish, .actor = actor()});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  auto lenient = commands(false);
  auto done = lenient.change_status(
      {.id = syllabus.id, .transition = Transition::kPublish, .actor = actor()});
  ASSERT_TRUE(done) << done.error().detail();
  EXPECT_EQ(done->status, Status::kPublished);
}

TEST_F(SyllabusCommandsTest, PublishingListsEveryProblemTheReferencesIncluded) {
  auto handler = commands(false);
  auto draft = complete_draft();
  draft.instructors = std::vector<domain::Instructor>{};
  const auto syllabus = *handler.create({draft, actor()});
  references_.files.clear();  // the attached file was deleted meanwhile
  auto refused = handler.change_status(
      {.id = syllabus.id, .transition = Transition::kPublish, .actor = actor()});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& error : refused.error().field_errors()) fields.push_back(error.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "instructors"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "attachments[0]"), fields.end());
}

TEST_F(SyllabusCommandsTest, ANewRevisionIsPublishedInPlaceOfTheOldOne) {
  auto handler = commands();
  const auto first = published(handler);
  auto draft = handler.open_revision({first.id, actor()});
  ASSERT_TRUE(draft);
  EXPECT_EQ(draft->revision, 2);
  EXPECT_EQ(draft->parent_revision, 1);
  auto again = handler.open_revision({first.id, actor()});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);  // one open revision
  SyllabusQueries queries(repository_);
  EXPECT_EQ(queries.get({.id = first.id})->revision, 2);  // the working one
  EXPECT_EQ(queries.get({.id = first.id, .which = GetSyllabusQuery::Which::kPublished})->revision,
            1);

  ASSERT_TRUE(
      handler.change_status({.id = first.id, .transition = Transition::kSubmit, .actor = actor()}));
  auto second =
      handler.change_status({.id = first.id, .transition = Transition::kPublish, .actor = actor()});
  ASSERT_TRUE(second) << second.error().detail();
  EXPECT_EQ(queries.get({.id = first.id, .which = GetSyllabusQuery::Which::kPublished})->revision,
            2);
  EXPECT_EQ(
      queries.get({.id = first.id, .which = GetSyllabusQuery::Which::kNumbered, .revision = 1})
          ->status,
      Status::kSuperseded);
  const auto& event = std::get<domain::SyllabusPublished>(repository_.events.back());
  EXPECT_EQ(event.superseded_revision, 1);
}

TEST_F(SyllabusCommandsTest, APublishedRevisionIsImmutable) {
  auto handler = commands();
  const auto syllabus = published(handler);
  auto refused = handler.update({syllabus.id, {.title = "Changed"}, std::nullopt, actor()});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(SyllabusCommandsTest, RejectingNeedsACommentAndReturnsTheRevisionToDraft) {
  auto handler = commands();
  const auto syllabus = created(handler);
  ASSERT_TRUE(handler.change_status(
      {.id = syllabus.id, .transition = Transition::kSubmit, .actor = actor()}));
  auto silent = handler.change_status(
      {.id = syllabus.id, .transition = Transition::kReject, .actor = actor()});
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().code(), ErrorCode::kInvalidArgument);
  auto rejected = handler.change_status({.id = syllabus.id,
                                         .transition = Transition::kReject,
                                         .comment = "Add readings.",
                                         .actor = actor("u-reviewer")});
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, Status::kDraft);
  EXPECT_EQ(rejected->review_comment, "Add readings.");
}

TEST_F(SyllabusCommandsTest, CopiesForwardToAnotherYearAsANewDraft) {
  auto handler = commands();
  const auto source = published(handler);
  auto copy = handler.copy({source.id, "2027/2028", domain::Term::kAutumn, actor("u-next")});
  ASSERT_TRUE(copy);
  EXPECT_NE(copy->id, source.id);
  EXPECT_EQ(copy->status, Status::kDraft);
  EXPECT_EQ(copy->learning_outcomes, source.learning_outcomes);
  EXPECT_EQ(copy->created.by, "u-next");
  auto twice = handler.copy({source.id, "2027/2028", domain::Term::kAutumn, actor()});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(SyllabusCommandsTest, DeletingHonoursIfMatch) {
  auto handler = commands();
  const auto syllabus = created(handler);
  auto stale = handler.remove({syllabus.id, syllabus.version + 1, actor()});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch);
  ASSERT_TRUE(handler.remove({syllabus.id, syllabus.version, actor()}));
  SyllabusQueries queries(repository_);
  EXPECT_EQ(queries.get({.id = syllabus.id}).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(std::holds_alternative<domain::SyllabusDeleted>(repository_.events.back()));
}

TEST(SyllabusQueriesTest, RefusesALimitOutsideOneTo200) {
  FakeSyllabusRepository repository;
  SyllabusQueries queries(repository);
  EXPECT_EQ(queries.list({.limit = 0}).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(queries.list({.limit = 201}).error().code(), ErrorCode::kMalformed);
  EXPECT_TRUE(queries.list({.limit = 200}));
}

}  // namespace
}  // namespace syllabus_service::application
