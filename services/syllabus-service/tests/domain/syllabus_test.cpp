#include "domain/syllabus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "domain/syllabus_events.h"

namespace syllabus_service::domain {
namespace {

using platform::core::ErrorCode;
using platform::core::FieldError;
using platform::core::Timestamp;
using platform::core::Uuid;

const Uuid kSubject = *Uuid::parse("0192f0c4-0000-7000-8000-000000000001");
const Uuid kOtherSubject = *Uuid::parse("0192f0c4-0000-7000-8000-000000000002");
const Uuid kSyllabusId = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000aa");
const Uuid kFileA = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000f1");
const Uuid kFileB = *Uuid::parse("0192f0c4-0000-7000-8000-0000000000f2");
const Timestamp kT0 = *platform::core::parse_rfc3339("2026-05-01T08:00:00Z");
const Timestamp kT1 = kT0 + std::chrono::hours(1);
const Timestamp kT2 = kT0 + std::chrono::hours(2);

// Everything publishing needs: no errors, no warnings (160 hours for 6 credits).
SyllabusDraft complete_draft() {
  return {.subject_id = kSubject,
          .academic_year = "2026/2027",
          .term = Term::kAutumn,
          .title = "Programming I",
          .summary = "Variables, functions and tests.",
          .languages = std::vector<std::string>{"en", "cs"},
          .ects_credits = EctsCredits{60},
          .teaching_mode = TeachingMode::kHybrid,
          .workload = Workload{.lectures = 26, .tutorials = 26, .labs = 0, .self_study = 108},
          .learning_outcomes =
              std::vector<LearningOutcome>{{"LO1", "Write a function."}, {"LO2", "Test it."}},
          .prerequisites = std::vector<Prerequisite>{{"Basic algebra", std::nullopt},
                                                     {"Intro to computing", kOtherSubject}},
          .schedule = std::vector<ScheduleSection>{{1, "Values", {"numbers", "text"}},
                                                   {2, "Functions", {}}},
          .assessments =
              std::vector<Assessment>{
                  {"Final exam", AssessmentKind::kExam, Session::kFirst, 60, {"LO1"}},
                  {"Project", AssessmentKind::kProject, Session::kFirst, 40, {"LO1", "LO2"}},
                  {"Resit exam", AssessmentKind::kExam, Session::kResit, 100, {"LO1", "LO2"}}},
          .readings = std::vector<std::string>{"Stroustrup: A Tour of C++"},
          .instructors = std::vector<Instructor>{{"Ada Lovelace", "ada@example.org"},
                                                 {"Alan Turing", std::nullopt}},
          .attachments = std::vector<Uuid>{kFileA},
          .body = "# Programming I\n\nWelcome.",
          .visibility = Visibility::kPublic};
}

Syllabus complete_syllabus() {
  return *new_syllabus(kSyllabusId, complete_draft(), "author", kT0);
}

Syllabus in_status(Status status) {
  Syllabus syllabus = complete_syllabus();
  syllabus.status = status;
  return syllabus;
}

std::vector<std::string> fields_of(const std::vector<FieldError>& errors) {
  std::vector<std::string> fields;
  for (const auto& error : errors) fields.push_back(error.field);
  return fields;
}

constexpr Status kAllStatuses[] = {Status::kDraft, Status::kInReview, Status::kPublished,
                                   Status::kSuperseded, Status::kArchived};

// ---- Names --------------------------------------------------------------------------------

TEST(SyllabusNames, EveryEnumerationRoundTripsThroughItsWireName) {
  for (Term term : {Term::kAutumn, Term::kSpring, Term::kSummer, Term::kFullYear})
    EXPECT_EQ(parse_term(to_string(term)), term);
  for (Status status : kAllStatuses) EXPECT_EQ(parse_status(to_string(status)), status);
  EXPECT_EQ(to_string(Term::kFullYear), "full_year");
  EXPECT_EQ(to_string(TeachingMode::kInPerson), "in_person");
  EXPECT_EQ(to_string(Status::kInReview), "in_review");
  EXPECT_EQ(parse_assessment_kind("oral"), AssessmentKind::kOral);
  EXPECT_EQ(parse_session("resit"), Session::kResit);
  EXPECT_EQ(parse_visibility("public"), Visibility::kPublic);
  EXPECT_EQ(parse_teaching_mode("Hybrid"), std::nullopt);
  EXPECT_EQ(names_of_terms(), "autumn, spring, summer, full_year");
}

// ---- Draft shape --------------------------------------------------------------------------

TEST(SyllabusDraftRules, AcceptAnEmptyDraftBecauseADraftMayBeIncomplete) {
  EXPECT_TRUE(validate_draft({}).empty());
}

TEST(SyllabusDraftRules, AcceptACompleteDraft) {
  EXPECT_TRUE(validate_draft(complete_draft()).empty());
}

TEST(SyllabusDraftRules, AcceptEmptyTextAsNotWrittenYet) {
  EXPECT_TRUE(validate_draft({.title = "", .summary = "", .body = ""}).empty());
}

TEST(SyllabusDraftRules, AcceptAcademicYearsOfTwoConsecutiveYearsOnly) {
  EXPECT_TRUE(is_academic_year("2026/2027"));
  EXPECT_TRUE(is_academic_year("1999/2000"));
  for (const char* year : {"2026/2028", "2026/2026", "2027/2026", "2026-2027", "26/27", "2026/27",
                           "+026/2027", "2026/2027 ", "", "abcd/efgh"})
    EXPECT_FALSE(is_academic_year(year)) << year;
  EXPECT_EQ(validate_draft({.academic_year = "2026/2028"}),
            (std::vector<FieldError>{
                {"academic_year", "must be two consecutive years such as \"2026/2027\""}}));
}

TEST(SyllabusDraftRules, CountTitleAndSummaryInCharactersNotBytes) {
  std::string title;
  for (int i = 0; i < 200; ++i) title += "é";  // 400 bytes, 200 characters
  EXPECT_TRUE(validate_draft({.title = title, .summary = std::string(2000, 's')}).empty());
  EXPECT_EQ(fields_of(validate_draft({.title = title + "é", .summary = std::string(2001, 's')})),
            (std::vector<std::string>{"title", "summary"}));
}

TEST(SyllabusDraftRules, RefuseControlCharactersAndLineBreaksInOneLineText) {
  EXPECT_EQ(validate_draft({.title = "Two\nlines"}),
            (std::vector<FieldError>{{"title", "must not contain control characters"}}));
  EXPECT_TRUE(validate_draft({.summary = "Two\nlines\tand a tab"}).empty());
  EXPECT_EQ(validate_draft({.summary = "bad \x01"}).at(0).message,
            "must not contain control characters");
  EXPECT_EQ(validate_draft({.title = "\xC3("}).at(0).message, "must be valid UTF-8");
}

TEST(SyllabusDraftRules, AcceptIsoLanguageCodesOnceEach) {
  EXPECT_TRUE(validate_draft({.languages = std::vector<std::string>{"en", "cs", "zu"}}).empty());
  const auto errors =
      validate_draft({.languages = std::vector<std::string>{"en", "EN", "eng", "xx", "en"}});
  EXPECT_EQ(fields_of(errors), (std::vector<std::string>{"languages[1]", "languages[2]",
                                                         "languages[3]", "languages[4]"}));
  EXPECT_EQ(errors[0].message, "must be an ISO 639-1 language code such as \"en\"");
  EXPECT_EQ(errors[3].message, "duplicates languages[0]");
}

TEST(SyllabusDraftRules, ReportAnOversizedListOnceWithoutLookingAtItsItems) {
  const auto errors = validate_draft({.languages = std::vector<std::string>(11, "xx")});
  EXPECT_EQ(errors, (std::vector<FieldError>{{"languages", "must have at most 10 items"}}));
  EXPECT_EQ(
      fields_of(validate_draft({.learning_outcomes = std::vector<LearningOutcome>(251, {"LO", "s"}),
                                .prerequisites = std::vector<Prerequisite>(51, {"p", std::nullopt}),
                                .schedule = std::vector<ScheduleSection>(101, {1, "t", {}}),
                                .assessments = std::vector<Assessment>(51, Assessment{"a"}),
                                .readings = std::vector<std::string>(101, "r"),
                                .instructors = std::vector<Instructor>(21, {"i", std::nullopt}),
                                .attachments = std::vector<Uuid>(51, kFileA)})),
      (std::vector<std::string>{"learning_outcomes", "prerequisites", "schedule", "assessments",
                                "readings", "instructors", "attachments"}));
}

TEST(SyllabusDraftRules, BoundEctsCreditsAndWorkloadHours) {
  EXPECT_TRUE(validate_draft({.ects_credits = EctsCredits{0}}).empty());
  EXPECT_TRUE(validate_draft({.ects_credits = EctsCredits{600}}).empty());
  EXPECT_EQ(validate_draft({.ects_credits = EctsCredits{601}}),
            (std::vector<FieldError>{{"ects_credits", "must be from 0 to 60"}}));
  EXPECT_EQ(fields_of(validate_draft({.ects_credits = EctsCredits{-1}})),
            std::vector<std::string>{"ects_credits"});
  EXPECT_TRUE(validate_draft({.workload = Workload{0, 0, 0, 2000}}).empty());
  const auto errors = validate_draft({.workload = Workload{-1, 0, 2001, 0}});
  EXPECT_EQ(errors, (std::vector<FieldError>{{"workload.lectures", "must be from 0 to 2000 hours"},
                                             {"workload.labs", "must be from 0 to 2000 hours"}}));
}

TEST(SyllabusDraftRules, TakeEctsCreditsInTenths) {
  EXPECT_EQ(EctsCredits::from_number(7.5), EctsCredits{75});
  EXPECT_EQ(EctsCredits::from_number(6), EctsCredits{60});
  EXPECT_EQ(EctsCredits::from_number(0.1), EctsCredits{1});
  EXPECT_EQ(EctsCredits::from_number(7.55), std::nullopt);
  EXPECT_EQ(EctsCredits::from_number(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
  EXPECT_EQ(EctsCredits::from_number(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_GT(EctsCredits::from_number(1e300)->tenths, kEctsTenthsMax);
  EXPECT_LT(EctsCredits::from_number(-1e300)->tenths, 0);
  EXPECT_DOUBLE_EQ(EctsCredits{75}.number(), 7.5);
}

TEST(SyllabusDraftRules, CheckLearningOutcomesWithTheirPaths) {
  const auto errors = validate_draft(
      {.learning_outcomes = std::vector<LearningOutcome>{{"LO-1.a_b", "Fine."},
                                                         {"LO 2", "Space in the code."},
                                                         {"", "Empty code."},
                                                         {"LO3", "  "},
                                                         {std::string(21, 'L'), "Too long a code."},
                                                         {"LO-1.a_b", "Duplicate."},
                                                         {"LO4", std::string(5001, 's')}}});
  EXPECT_EQ(errors, (std::vector<FieldError>{
                        {"learning_outcomes[1].code",
                         "must be 1 to 20 characters of A-Z, a-z, 0-9, '.', '-' and '_'"},
                        {"learning_outcomes[2].code",
                         "must be 1 to 20 characters of A-Z, a-z, 0-9, '.', '-' and '_'"},
                        {"learning_outcomes[3].statement", "must not be empty"},
                        {"learning_outcomes[4].code",
                         "must be 1 to 20 characters of A-Z, a-z, 0-9, '.', '-' and '_'"},
                        {"learning_outcomes[6].statement", "must be at most 5000 characters"},
                        {"learning_outcomes[5].code", "duplicates learning_outcomes[0].code"}}));
}

TEST(SyllabusDraftRules, CheckScheduleSectionsWithTheirPaths) {
  const auto errors = validate_draft({.schedule = std::vector<ScheduleSection>{
                                          {1, "Fine", {"a", "b"}},
                                          {0, "Week zero", {}},
                                          {61, "", {}},
                                          {60, "Topics", {"ok", std::string(501, 't'), ""}},
                                          {2, "Many topics", std::vector<std::string>(51, "t")}}});
  EXPECT_EQ(errors,
            (std::vector<FieldError>{{"schedule[1].week", "must be from 1 to 60"},
                                     {"schedule[2].week", "must be from 1 to 60"},
                                     {"schedule[2].title", "must not be empty"},
                                     {"schedule[3].topics[1]", "must be at most 500 characters"},
                                     {"schedule[3].topics[2]", "must not be empty"},
                                     {"schedule[4].topics", "must have at most 50 items"}}));
}

TEST(SyllabusDraftRules, CheckAssessmentsWithTheirPaths) {
  const auto errors = validate_draft(
      {.assessments = std::vector<Assessment>{
           {"Exam", AssessmentKind::kExam, Session::kFirst, 100, {"LO1"}},
           {"Too heavy", AssessmentKind::kQuiz, Session::kFirst, 101, {}},
           {"", AssessmentKind::kOral, Session::kResit, -1, {"LO 1", "LO2", "LO2"}}}});
  EXPECT_EQ(
      errors,
      (std::vector<FieldError>{
          {"assessments[1].weight_pct", "must be from 0 to 100"},
          {"assessments[2].name", "must not be empty"},
          {"assessments[2].weight_pct", "must be from 0 to 100"},
          {"assessments[2].outcome_codes[0]",
           "must be 1 to 20 characters of A-Z, a-z, 0-9, '.', '-' and '_'"},
          {"assessments[2].outcome_codes[2]", "duplicates assessments[2].outcome_codes[1]"}}));
}

TEST(SyllabusDraftRules, CheckPrerequisitesReadingsInstructorsAndAttachments) {
  const auto errors = validate_draft(
      {.subject_id = Uuid{},
       .prerequisites =
           std::vector<Prerequisite>{{"", std::nullopt}, {std::string(1001, 'p'), Uuid{}}},
       .readings = std::vector<std::string>{"fine", std::string(1001, 'r'), " "},
       .instructors = std::vector<Instructor>{{"Ada", "ada@example.org"}, {"", "not-an-address"}},
       .attachments = std::vector<Uuid>{kFileA, Uuid{}, kFileA}});
  EXPECT_EQ(errors,
            (std::vector<FieldError>{
                {"subject_id", "must not be the nil UUID"},
                {"prerequisites[0].text", "must not be empty"},
                {"prerequisites[1].text", "must be at most 1000 characters"},
                {"prerequisites[1].subject_id", "must not be the nil UUID"},
                {"readings[1]", "must be at most 1000 characters"},
                {"readings[2]", "must not be empty"},
                {"instructors[1].name", "must not be empty"},
                {"instructors[1].email", "must be an e-mail address such as name@example.org"},
                {"attachments[1]", "must not be the nil UUID"},
                {"attachments[2]", "duplicates attachments[0]"}}));
}

TEST(SyllabusDraftRules, AcceptOnlyPlausibleEmailAddresses) {
  for (const char* email : {"a@b.cz", "jan.novak@fit.cvut.cz", "x+tag@example.org"})
    EXPECT_TRUE(
        validate_draft({.instructors = std::vector<Instructor>{{"I", std::string(email)}}}).empty())
        << email;
  for (const char* email : {"", "a", "@b.cz", "a@b", "a@@b.cz", "a@b@c.cz", "a b@c.cz", "a@.b.cz",
                            "a@b.cz.", "a@b..cz"})
    EXPECT_EQ(
        validate_draft({.instructors = std::vector<Instructor>{{"I", std::string(email)}}}).size(),
        1u)
        << email;
}

TEST(SyllabusDraftRules, BoundTheBodyAtOneHundredKilobytes) {
  EXPECT_TRUE(validate_draft({.body = std::string(102400, 'b')}).empty());
  EXPECT_EQ(validate_draft({.body = std::string(102401, 'b')}),
            (std::vector<FieldError>{{"body", "must be at most 102400 bytes (100 kB)"}}));
}

TEST(SyllabusDraftRules, ReportEveryProblemAtOnceInFieldOrder) {
  SyllabusDraft draft = complete_draft();
  draft.academic_year = "2026";
  draft.title = std::string(201, 't');
  draft.languages = std::vector<std::string>{"english"};
  draft.ects_credits = EctsCredits{700};
  draft.learning_outcomes->at(1).code = "L O";
  draft.schedule->at(1).topics = {""};
  draft.assessments->at(0).weight_pct = 150;
  draft.instructors->at(0).email = "nope";
  draft.body = std::string(200000, 'b');
  EXPECT_EQ(
      fields_of(validate_draft(draft)),
      (std::vector<std::string>{"academic_year", "title", "languages[0]", "ects_credits",
                                "learning_outcomes[1].code", "schedule[1].topics[0]",
                                "assessments[0].weight_pct", "instructors[0].email", "body"}));
}

// ---- Creating and changing ----------------------------------------------------------------

TEST(Syllabus, StartsAsADraftOfRevisionOneAtVersionOne) {
  const Syllabus syllabus = complete_syllabus();
  EXPECT_EQ(syllabus.id, kSyllabusId);
  EXPECT_EQ(syllabus.subject_id, kSubject);
  EXPECT_EQ(syllabus.academic_year, "2026/2027");
  EXPECT_EQ(syllabus.term, Term::kAutumn);
  EXPECT_EQ(syllabus.revision, 1);
  EXPECT_EQ(syllabus.parent_revision, std::nullopt);
  EXPECT_EQ(syllabus.status, Status::kDraft);
  EXPECT_EQ(syllabus.version, 1);
  EXPECT_EQ(syllabus.created, (Stamp{kT0, "author"}));
  EXPECT_EQ(syllabus.updated, (Stamp{kT0, "author"}));
  EXPECT_FALSE(syllabus.submitted || syllabus.published || syllabus.archived);
  EXPECT_EQ(to_draft(syllabus), complete_draft());
}

TEST(Syllabus, StartsFromTheIdentityAloneWithDefaultsForTheRest) {
  const auto syllabus = new_syllabus(
      kSyllabusId, {.subject_id = kSubject, .academic_year = "2026/2027", .term = Term::kSpring},
      "author", kT0);
  ASSERT_TRUE(syllabus);
  EXPECT_TRUE(syllabus->title.empty());
  EXPECT_EQ(syllabus->ects_credits, std::nullopt);
  EXPECT_EQ(syllabus->visibility, Visibility::kAuthenticated);
}

TEST(Syllabus, NeedsSubjectYearAndTermToBeCreated) {
  const auto created = new_syllabus(kSyllabusId, {.title = std::string(300, 't')}, "author", kT0);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(fields_of(created.error().field_errors()),
            (std::vector<std::string>{"subject_id", "academic_year", "term", "title"}));
}

TEST(Syllabus, ApplyingAPatchChangesItsFieldsVersionAndUpdateStampOnly) {
  const Syllabus syllabus = complete_syllabus();
  const auto changed =
      apply(syllabus, {.title = "Programming 1", .ects_credits = EctsCredits{75}}, "editor", kT1);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->title, "Programming 1");
  EXPECT_EQ(changed->ects_credits, EctsCredits{75});
  EXPECT_EQ(changed->summary, syllabus.summary);
  EXPECT_EQ(changed->version, 2);
  EXPECT_EQ(changed->updated, (Stamp{kT1, "editor"}));
  EXPECT_EQ(changed->created, syllabus.created);
  EXPECT_EQ(changed->status, Status::kDraft);
}

TEST(Syllabus, ApplyingAListReplacesTheWholeList) {
  const auto changed =
      apply(complete_syllabus(), {.readings = std::vector<std::string>{}}, "editor", kT1);
  ASSERT_TRUE(changed);
  EXPECT_TRUE(changed->readings.empty());
}

TEST(Syllabus, RefusesAnInvalidPatchWithEveryFieldError) {
  const auto changed = apply(complete_syllabus(),
                             {.title = std::string(201, 't'),
                              .languages = std::vector<std::string>{"xx"},
                              .body = std::string(102401, 'b')},
                             "editor", kT1);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(fields_of(changed.error().field_errors()),
            (std::vector<std::string>{"title", "languages[0]", "body"}));
}

TEST(Syllabus, LetsTheSubjectChangeOnADraftOfTheFirstRevision) {
  const auto changed = apply(complete_syllabus(), {.subject_id = kOtherSubject}, "editor", kT1);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->subject_id, kOtherSubject);
}

TEST(Syllabus, KeepsTheSubjectOfARevisionInReviewOrOfALaterRevision) {
  Syllabus second = complete_syllabus();
  second.revision = 2;
  for (const Syllabus& syllabus : {in_status(Status::kInReview), second}) {
    const auto changed = apply(syllabus, {.subject_id = kOtherSubject}, "editor", kT1);
    ASSERT_FALSE(changed);
    EXPECT_EQ(changed.error().field_errors(),
              (std::vector<FieldError>{
                  {"subject_id", "can only be changed on a draft of a first revision"}}));
  }
  EXPECT_TRUE(apply(second, {.subject_id = kSubject}, "editor", kT1));  // the same: no change
}

TEST(Syllabus, NeverChangesItsAcademicYearOrTerm) {
  const auto changed = apply(complete_syllabus(),
                             {.academic_year = "2027/2028", .term = Term::kSpring}, "editor", kT1);
  ASSERT_FALSE(changed);
  EXPECT_EQ(
      changed.error().field_errors(),
      (std::vector<FieldError>{
          {"academic_year", "cannot be changed: copy the syllabus forward to another year instead"},
          {"term", "cannot be changed: copy the syllabus forward to another term instead"}}));
  const auto malformed = apply(complete_syllabus(), {.academic_year = "2027"}, "editor", kT1);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().field_errors().size(), 1u);  // one error for the field
}

TEST(Syllabus, AcceptsAPatchRepeatingTheCurrentYearAndTerm) {
  const auto changed = apply(complete_syllabus(),
                             {.academic_year = "2026/2027", .term = Term::kAutumn}, "editor", kT1);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->academic_year, "2026/2027");
}

TEST(Syllabus, CanStillBeEditedInReview) {
  const auto changed = apply(in_status(Status::kInReview), {.title = "Typo fixed"}, "rev", kT1);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, Status::kInReview);
}

TEST(SyllabusImmutability, PublishedSupersededAndArchivedRevisionsCannotBeChanged) {
  for (Status status : {Status::kPublished, Status::kSuperseded, Status::kArchived}) {
    const auto changed = apply(in_status(status), {.title = "New"}, "editor", kT1);
    ASSERT_FALSE(changed) << to_string(status);
    EXPECT_EQ(changed.error().code(), ErrorCode::kFailedPrecondition);
  }
  const auto changed = apply(in_status(Status::kPublished), {.title = "New"}, "editor", kT1);
  EXPECT_EQ(changed.error().detail(),
            "revision 1 is published and cannot be changed: open a new revision to edit it");
}

TEST(Syllabus, KnowsWhenAPatchChangesNothing) {
  const Syllabus syllabus = complete_syllabus();
  EXPECT_TRUE(changes_nothing(syllabus, {}));
  EXPECT_TRUE(changes_nothing(syllabus, complete_draft()));
  EXPECT_FALSE(changes_nothing(syllabus, {.title = "Other"}));
  EXPECT_FALSE(changes_nothing(syllabus, {.term = Term::kSpring}));
}

TEST(Syllabus, MatchesAnIfMatchOnlyAtItsVersion) {
  const Syllabus syllabus = complete_syllabus();
  EXPECT_TRUE(check_version(syllabus, std::nullopt));
  EXPECT_TRUE(check_version(syllabus, 1));
  const auto stale = check_version(syllabus, 2);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(stale.error().detail(), "syllabus is at version 1, not 2");
}

// ---- Publish check ------------------------------------------------------------------------

TEST(SyllabusPublishCheck, FindsNothingWrongWithACompleteSyllabus) {
  const PublishCheck check = check_publishable(complete_syllabus());
  EXPECT_TRUE(check.publishable());
  EXPECT_TRUE(check.errors.empty());
  EXPECT_TRUE(check.warnings.empty());
}

struct BrokenRule {
  const char* name;
  std::function<void(Syllabus&)> breaks;
  FieldError expected;
};

TEST(SyllabusPublishCheck, ReportsEachRuleBrokenAloneWithItsFieldPath) {
  const BrokenRule rules[] = {
      {"no title", [](Syllabus& s) { s.title = " "; }, {"title", "is required to publish"}},
      {"no summary", [](Syllabus& s) { s.summary = ""; }, {"summary", "is required to publish"}},
      {"no language",
       [](Syllabus& s) { s.languages.clear(); },
       {"languages", "needs at least one language to publish"}},
      {"no credits",
       [](Syllabus& s) { s.ects_credits.reset(); },
       {"ects_credits", "is required to publish"}},
      {"no teaching mode",
       [](Syllabus& s) { s.teaching_mode.reset(); },
       {"teaching_mode", "is required to publish"}},
      {"no workload",
       [](Syllabus& s) { s.workload.reset(); },
       {"workload", "is required to publish"}},
      {"zero workload",
       [](Syllabus& s) { s.workload = Workload{}; },
       {"workload", "must total more than 0 hours to publish"}},
      {"no schedule",
       [](Syllabus& s) { s.schedule.clear(); },
       {"schedule", "needs at least one section to publish"}},
      {"no instructor",
       [](Syllabus& s) { s.instructors.clear(); },
       {"instructors", "needs at least one instructor to publish"}},
      {"an outcome not assessed",
       [](Syllabus& s) {
         s.learning_outcomes.push_back({"LO3", "Unassessed."});
       },
       {"learning_outcomes[2].code", "\"LO3\" is not assessed"}},
      {"a duplicate outcome code",
       [](Syllabus& s) {
         s.learning_outcomes.push_back({"LO1", "Again."});
       },
       {"learning_outcomes[2].code", "duplicates learning_outcomes[0].code"}},
      {"an unknown outcome code",
       [](Syllabus& s) { s.assessments[1].outcome_codes.push_back("LO9"); },
       {"assessments[1].outcome_codes[2]", "\"LO9\" names no learning outcome"}},
      {"first session under 100",
       [](Syllabus& s) { s.assessments[1].weight_pct = 30; },
       {"assessments", "weights of the first session sum to 90%, not 100%"}},
      {"first session over 100",
       [](Syllabus& s) { s.assessments[1].weight_pct = 50; },
       {"assessments", "weights of the first session sum to 110%, not 100%"}},
      {"no first session",
       [](Syllabus& s) { s.assessments.erase(s.assessments.begin(), s.assessments.begin() + 2); },
       {"assessments", "needs at least one assessment in the first session"}},
      {"resit not 100",
       [](Syllabus& s) { s.assessments[2].weight_pct = 80; },
       {"assessments", "weights of the resit session sum to 80%, not 100%"}},
      {"the subject deleted",
       [](Syllabus& s) { s.subject_deleted = true; },
       {"subject_id", "names a deleted subject"}},
      {"an attachment's file deleted",
       [](Syllabus& s) {
         s.attachments.push_back(kFileB);
         s.flagged_attachments = {kFileB};
       },
       {"attachments[1]", "names a deleted file"}},
  };
  for (const auto& rule : rules) {
    Syllabus syllabus = complete_syllabus();
    rule.breaks(syllabus);
    const PublishCheck check = check_publishable(syllabus);
    EXPECT_EQ(check.errors, std::vector<FieldError>{rule.expected}) << rule.name;
    EXPECT_FALSE(check.publishable()) << rule.name;
  }
}

TEST(SyllabusPublishCheck, NeedsAtLeastOneOutcomeAndOneAssessment) {
  Syllabus no_outcomes = complete_syllabus();
  no_outcomes.learning_outcomes.clear();
  for (auto& assessment : no_outcomes.assessments) assessment.outcome_codes.clear();
  EXPECT_EQ(check_publishable(no_outcomes).errors,
            (std::vector<FieldError>{
                {"learning_outcomes", "needs at least one learning outcome to publish"}}));

  Syllabus no_assessments = complete_syllabus();
  no_assessments.assessments.clear();
  EXPECT_EQ(check_publishable(no_assessments).errors,
            (std::vector<FieldError>{{"learning_outcomes[0].code", "\"LO1\" is not assessed"},
                                     {"learning_outcomes[1].code", "\"LO2\" is not assessed"},
                                     {"assessments", "needs at least one assessment to publish"}}));
}

TEST(SyllabusPublishCheck, NeedsNoResitSessionNorBodyNorOptionalLists) {
  Syllabus syllabus = complete_syllabus();
  syllabus.assessments.pop_back();  // the resit
  syllabus.body.clear();
  syllabus.prerequisites.clear();
  syllabus.readings.clear();
  syllabus.attachments.clear();
  EXPECT_TRUE(check_publishable(syllabus).publishable());
}

TEST(SyllabusPublishCheck, ListsEveryProblemAtOnceWithFieldPaths) {
  Syllabus syllabus = complete_syllabus();
  syllabus.subject_deleted = true;
  syllabus.title.clear();
  syllabus.summary.clear();
  syllabus.languages.clear();
  syllabus.ects_credits.reset();
  syllabus.teaching_mode.reset();
  syllabus.workload.reset();
  syllabus.learning_outcomes = {{"LO1", "a"}, {"LO1", "b"}, {"LO2", "c"}};
  syllabus.schedule.clear();
  syllabus.assessments = {{"Exam", AssessmentKind::kExam, Session::kFirst, 50, {"LO1", "X"}},
                          {"Resit", AssessmentKind::kOral, Session::kResit, 90, {"LO1"}}};
  syllabus.instructors.clear();
  syllabus.flagged_attachments = {kFileA};
  const PublishCheck check = check_publishable(syllabus);
  EXPECT_EQ(check.errors,
            (std::vector<FieldError>{
                {"subject_id", "names a deleted subject"},
                {"title", "is required to publish"},
                {"summary", "is required to publish"},
                {"languages", "needs at least one language to publish"},
                {"ects_credits", "is required to publish"},
                {"teaching_mode", "is required to publish"},
                {"workload", "is required to publish"},
                {"learning_outcomes[1].code", "duplicates learning_outcomes[0].code"},
                {"learning_outcomes[2].code", "\"LO2\" is not assessed"},
                {"schedule", "needs at least one section to publish"},
                {"assessments[0].outcome_codes[1]", "\"X\" names no learning outcome"},
                {"assessments", "weights of the first session sum to 50%, not 100%"},
                {"assessments", "weights of the resit session sum to 90%, not 100%"},
                {"instructors", "needs at least one instructor to publish"},
                {"attachments[0]", "names a deleted file"}}));
  EXPECT_TRUE(check.warnings.empty());
}

TEST(SyllabusPublishCheck, ListsEverythingMissingFromAnEmptyDraft) {
  const auto syllabus = new_syllabus(
      kSyllabusId, {.subject_id = kSubject, .academic_year = "2026/2027", .term = Term::kSpring},
      "author", kT0);
  EXPECT_EQ(fields_of(check_publishable(*syllabus).errors),
            (std::vector<std::string>{"title", "summary", "languages", "ects_credits",
                                      "teaching_mode", "workload", "learning_outcomes", "schedule",
                                      "assessments", "instructors"}));
}

TEST(SyllabusPublishCheck, WarnsWhenTheWorkloadIsFarFromTwentyFiveToThirtyHoursPerCredit) {
  Syllabus syllabus = complete_syllabus();  // 6 credits
  syllabus.workload = Workload{.lectures = 30, .tutorials = 0, .labs = 0, .self_study = 60};
  PublishCheck check = check_publishable(syllabus);
  EXPECT_TRUE(check.publishable());  // a warning does not block
  EXPECT_EQ(check.warnings,
            (std::vector<FieldError>{
                {"workload",
                 "totals 90 hours for 6 ECTS credits, 15 hours per credit: expected 25 to 30 "
                 "(warned outside 20 to 35)"}}));

  syllabus.ects_credits = EctsCredits{75};
  syllabus.workload = Workload{.lectures = 100, .tutorials = 100, .labs = 50, .self_study = 50};
  EXPECT_EQ(check_publishable(syllabus).warnings.at(0).message,
            "totals 300 hours for 7.5 ECTS credits, 40 hours per credit: expected 25 to 30 "
            "(warned outside 20 to 35)");
}

TEST(SyllabusPublishCheck, DoesNotWarnFromTwentyToThirtyFiveHoursPerCreditOrWithoutCredits) {
  Syllabus syllabus = complete_syllabus();  // 6 credits
  for (std::int64_t hours : {120, 150, 180, 210}) {
    syllabus.workload = Workload{.lectures = 0, .tutorials = 0, .labs = 0, .self_study = hours};
    EXPECT_TRUE(check_publishable(syllabus).warnings.empty()) << hours;
  }
  syllabus.workload = Workload{.lectures = 0, .tutorials = 0, .labs = 0, .self_study = 119};
  EXPECT_EQ(check_publishable(syllabus).warnings.size(), 1u);
  syllabus.ects_credits = EctsCredits{0};
  EXPECT_TRUE(check_publishable(syllabus).warnings.empty());
}

// ---- Lifecycle ----------------------------------------------------------------------------

TEST(SyllabusLifecycle, SubmittingMovesADraftToReview) {
  const auto submitted = submit(complete_syllabus(), "author", kT1);
  ASSERT_TRUE(submitted);
  EXPECT_EQ(submitted->status, Status::kInReview);
  EXPECT_EQ(submitted->version, 2);
  EXPECT_EQ(submitted->submitted, (Stamp{kT1, "author"}));
  EXPECT_EQ(submitted->updated, (Stamp{kT1, "author"}));
}

TEST(SyllabusLifecycle, SubmittingAnIncompleteDraftListsEveryProblem) {
  Syllabus syllabus = complete_syllabus();
  syllabus.title.clear();
  syllabus.instructors.clear();
  const auto submitted = submit(syllabus, "author", kT1);
  ASSERT_FALSE(submitted);
  EXPECT_EQ(submitted.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(submitted.error().detail(), "the syllabus is not ready to publish: 2 problems");
  EXPECT_EQ(fields_of(submitted.error().field_errors()),
            (std::vector<std::string>{"title", "instructors"}));
}

TEST(SyllabusLifecycle, SubmittingIsRefusedUnlessADraft) {
  for (Status status :
       {Status::kInReview, Status::kPublished, Status::kSuperseded, Status::kArchived}) {
    const auto submitted = submit(in_status(status), "author", kT1);
    ASSERT_FALSE(submitted) << to_string(status);
    EXPECT_EQ(submitted.error().code(), ErrorCode::kFailedPrecondition);
  }
  EXPECT_EQ(submit(in_status(Status::kInReview), "author", kT1).error().detail(),
            "revision 1 is in review: only a draft can be submitted");
}

TEST(SyllabusLifecycle, PublishingMovesARevisionInReviewToPublished) {
  const auto published = publish(in_status(Status::kInReview), {}, "reviewer", kT1);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->status, Status::kPublished);
  EXPECT_EQ(published->version, 2);
  EXPECT_EQ(published->published, (Stamp{kT1, "reviewer"}));
  EXPECT_EQ(published->updated, (Stamp{kT1, "reviewer"}));
}

TEST(SyllabusLifecycle, PublishingFromDraftIsRefusedWhenReviewIsRequired) {
  const auto published = publish(complete_syllabus(), {.review_required = true}, "author", kT1);
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(published.error().detail(),
            "revision 1 is a draft and publishing needs a review: submit it first");
}

TEST(SyllabusLifecycle, PublishingFromDraftIsAllowedWhenReviewIsNotRequired) {
  const auto published = publish(complete_syllabus(), {.review_required = false}, "author", kT1);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->status, Status::kPublished);
  EXPECT_EQ(published->submitted, std::nullopt);
}

TEST(SyllabusLifecycle, PublishingIsRefusedFromPublishedSupersededAndArchived) {
  for (Status status : {Status::kPublished, Status::kSuperseded, Status::kArchived}) {
    const auto published = publish(in_status(status), {.review_required = false}, "r", kT1);
    ASSERT_FALSE(published) << to_string(status);
    EXPECT_EQ(published.error().code(), ErrorCode::kFailedPrecondition);
  }
}

TEST(SyllabusLifecycle, PublishingAnIncompleteRevisionListsEveryProblem) {
  Syllabus syllabus = in_status(Status::kInReview);
  syllabus.assessments[0].weight_pct = 10;
  syllabus.schedule.clear();
  const auto published = publish(syllabus, {}, "reviewer", kT1);
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(fields_of(published.error().field_errors()),
            (std::vector<std::string>{"schedule", "assessments"}));
}

TEST(SyllabusLifecycle, RejectingSendsARevisionInReviewBackToDraftWithTheComment) {
  const auto rejected =
      reject(in_status(Status::kInReview), "  Add the resit details.\n", "reviewer", kT1);
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, Status::kDraft);
  EXPECT_EQ(rejected->review_comment, "Add the resit details.");
  EXPECT_EQ(rejected->rejected, (Stamp{kT1, "reviewer"}));
  EXPECT_EQ(rejected->version, 2);
}

TEST(SyllabusLifecycle, RejectingNeedsACommentOfOneToTwoThousandCharacters) {
  const Syllabus syllabus = in_status(Status::kInReview);
  for (const std::string& comment : {std::string(), std::string(" \n "), std::string(2001, 'c')}) {
    const auto rejected = reject(syllabus, comment, "reviewer", kT1);
    ASSERT_FALSE(rejected);
    EXPECT_EQ(rejected.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(fields_of(rejected.error().field_errors()), std::vector<std::string>{"comment"});
  }
  EXPECT_TRUE(reject(syllabus, std::string(2000, 'c'), "reviewer", kT1));
}

TEST(SyllabusLifecycle, RejectingIsRefusedUnlessInReview) {
  for (Status status :
       {Status::kDraft, Status::kPublished, Status::kSuperseded, Status::kArchived}) {
    const auto rejected = reject(in_status(status), "No.", "reviewer", kT1);
    ASSERT_FALSE(rejected) << to_string(status);
    EXPECT_EQ(rejected.error().code(), ErrorCode::kFailedPrecondition);
  }
}

TEST(SyllabusLifecycle, ArchivingIsAllowedFromDraftReviewAndPublished) {
  for (Status status : {Status::kDraft, Status::kInReview, Status::kPublished}) {
    const auto archived = archive(in_status(status), "admin", kT1);
    ASSERT_TRUE(archived) << to_string(status);
    EXPECT_EQ(archived->status, Status::kArchived);
    EXPECT_EQ(archived->archived, (Stamp{kT1, "admin"}));
    EXPECT_EQ(archived->version, 2);
  }
}

TEST(SyllabusLifecycle, ArchivingIsRefusedFromSupersededAndArchived) {
  for (Status status : {Status::kSuperseded, Status::kArchived}) {
    const auto archived = archive(in_status(status), "admin", kT1);
    ASSERT_FALSE(archived) << to_string(status);
    EXPECT_EQ(archived.error().code(), ErrorCode::kFailedPrecondition);
  }
}

TEST(SyllabusLifecycle, SupersedingIsOnlyForThePublishedRevision) {
  const auto superseded = supersede(in_status(Status::kPublished), "editor", kT1);
  ASSERT_TRUE(superseded);
  EXPECT_EQ(superseded->status, Status::kSuperseded);
  EXPECT_EQ(superseded->superseded, (Stamp{kT1, "editor"}));
  for (Status status :
       {Status::kDraft, Status::kInReview, Status::kSuperseded, Status::kArchived}) {
    const auto refused = supersede(in_status(status), "editor", kT1);
    ASSERT_FALSE(refused) << to_string(status);
    EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  }
}

TEST(SyllabusLifecycle, RecordsWhoDidEachStepAndWhen) {
  auto submitted = submit(complete_syllabus(), "author", kT1);
  auto rejected = reject(*submitted, "More detail.", "reviewer", kT1);
  auto resubmitted = submit(*rejected, "author", kT2);
  auto published = publish(*resubmitted, {}, "reviewer", kT2);
  auto archived = archive(*published, "admin", kT2);
  ASSERT_TRUE(archived);
  EXPECT_EQ(archived->created, (Stamp{kT0, "author"}));
  EXPECT_EQ(archived->submitted, (Stamp{kT2, "author"}));
  EXPECT_EQ(archived->rejected, (Stamp{kT1, "reviewer"}));
  EXPECT_EQ(archived->published, (Stamp{kT2, "reviewer"}));
  EXPECT_EQ(archived->archived, (Stamp{kT2, "admin"}));
  EXPECT_EQ(archived->updated, (Stamp{kT2, "admin"}));
  EXPECT_EQ(archived->version, 6);
  EXPECT_EQ(archived->review_comment, "More detail.");
}

TEST(SyllabusLifecycle, OpeningARevisionOfThePublishedOneStartsTheNextDraft) {
  Syllabus published = *publish(*submit(complete_syllabus(), "author", kT1), {}, "reviewer", kT1);
  published.review_comment = "Earlier remark.";
  const auto next = open_revision(published, "editor", kT2);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, published.id);
  EXPECT_EQ(next->revision, 2);
  EXPECT_EQ(next->parent_revision, 1);
  EXPECT_EQ(next->status, Status::kDraft);
  EXPECT_EQ(next->version, 1);
  EXPECT_EQ(next->created, (Stamp{kT2, "editor"}));
  EXPECT_EQ(next->updated, (Stamp{kT2, "editor"}));
  EXPECT_FALSE(next->submitted || next->published || next->rejected || next->archived);
  EXPECT_TRUE(next->review_comment.empty());
  EXPECT_TRUE(diff(published, *next).empty());      // the same content
  EXPECT_EQ(published.status, Status::kPublished);  // the source is left alone
}

TEST(SyllabusLifecycle, OpeningARevisionIsRefusedUnlessPublished) {
  for (Status status :
       {Status::kDraft, Status::kInReview, Status::kSuperseded, Status::kArchived}) {
    const auto next = open_revision(in_status(status), "editor", kT1);
    ASSERT_FALSE(next) << to_string(status);
    EXPECT_EQ(next.error().code(), ErrorCode::kFailedPrecondition);
  }
}

// ---- Copy forward -------------------------------------------------------------------------

TEST(SyllabusCopyForward, MakesADraftForAnotherYearWithTheSameContent) {
  Syllabus source = *publish(complete_syllabus(), {.review_required = false}, "author", kT1);
  source.revision = 3;
  source.parent_revision = 2;
  const Uuid new_id = Uuid::v7();
  const auto copy = copy_forward(source, new_id, "2027/2028", Term::kAutumn, "editor", kT2);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->id, new_id);
  EXPECT_EQ(copy->subject_id, kSubject);
  EXPECT_EQ(copy->academic_year, "2027/2028");
  EXPECT_EQ(copy->term, Term::kAutumn);
  EXPECT_EQ(copy->revision, 1);
  EXPECT_EQ(copy->parent_revision, std::nullopt);
  EXPECT_EQ(copy->status, Status::kDraft);
  EXPECT_EQ(copy->version, 1);
  EXPECT_EQ(copy->created, (Stamp{kT2, "editor"}));
  EXPECT_FALSE(copy->published);
  EXPECT_EQ(copy->schedule, source.schedule);
  EXPECT_EQ(copy->learning_outcomes, source.learning_outcomes);
  EXPECT_EQ(diff(source, *copy), std::vector<std::string>{"academic_year"});
}

TEST(SyllabusCopyForward, MayKeepTheYearForAnotherTerm) {
  const auto copy =
      copy_forward(complete_syllabus(), Uuid::v7(), "2026/2027", Term::kSpring, "editor", kT1);
  ASSERT_TRUE(copy);
  EXPECT_EQ(diff(complete_syllabus(), *copy), std::vector<std::string>{"term"});
}

TEST(SyllabusCopyForward, RefusesTheSameYearAndTermOrAMalformedYear) {
  const auto same =
      copy_forward(complete_syllabus(), Uuid::v7(), "2026/2027", Term::kAutumn, "editor", kT1);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(fields_of(same.error().field_errors()),
            (std::vector<std::string>{"academic_year", "term"}));
  const auto malformed =
      copy_forward(complete_syllabus(), Uuid::v7(), "2027/2029", Term::kAutumn, "editor", kT1);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(fields_of(malformed.error().field_errors()), std::vector<std::string>{"academic_year"});
}

// ---- Diff and events ----------------------------------------------------------------------

TEST(SyllabusDiff, FindsNothingBetweenEqualContents) {
  EXPECT_TRUE(diff(complete_syllabus(), complete_syllabus()).empty());
}

TEST(SyllabusDiff, NamesTheChangedFieldsInFieldOrder) {
  const Syllabus from = complete_syllabus();
  const auto to = apply(from,
                        {.title = "New title",
                         .workload = Workload{1, 2, 3, 4},
                         .schedule = std::vector<ScheduleSection>{{3, "Only", {}}},
                         .visibility = Visibility::kAuthenticated},
                        "editor", kT1);
  ASSERT_TRUE(to);
  EXPECT_EQ(diff(from, *to),
            (std::vector<std::string>{"title", "workload", "schedule", "visibility"}));
  EXPECT_EQ(diff(*to, from),
            (std::vector<std::string>{"title", "workload", "schedule", "visibility"}));
}

TEST(SyllabusDiff, ReportsAListAsOneFieldWhenAnItemChanges) {
  Syllabus to = complete_syllabus();
  to.assessments[0].outcome_codes.push_back("LO2");
  to.instructors[1].email = "alan@example.org";
  EXPECT_EQ(diff(complete_syllabus(), to),
            (std::vector<std::string>{"assessments", "instructors"}));
}

TEST(SyllabusDiff, IgnoresStatusRevisionVersionFlagsAndAudit) {
  const Syllabus from = complete_syllabus();
  Syllabus to = *archive(from, "admin", kT2);
  to.revision = 4;
  to.subject_deleted = true;
  to.review_comment = "x";
  EXPECT_TRUE(diff(from, to).empty());
}

TEST(SyllabusEvents, ChangedFieldsAddStatusAndReviewCommentToTheContentDiff) {
  const Syllabus before = in_status(Status::kInReview);
  const Syllabus after = *reject(before, "Fix the title.", "reviewer", kT1);
  EXPECT_EQ(changed_fields(before, after), (std::vector<std::string>{"status", "review_comment"}));
  const Syllabus edited = *apply(after, {.title = "Fixed"}, "author", kT2);
  EXPECT_EQ(changed_fields(after, edited), std::vector<std::string>{"title"});
  const SyllabusEvent event = SyllabusUpdated{edited, changed_fields(after, edited)};
  EXPECT_TRUE(std::holds_alternative<SyllabusUpdated>(event));
}

}  // namespace
}  // namespace syllabus_service::domain
