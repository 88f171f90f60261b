#include "api/syllabus_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace syllabus_service::api {
namespace {

namespace json = boost::json;
using domain::Syllabus;
using domain::SyllabusDraft;
using platform::core::FieldError;
using platform::core::Uuid;

const platform::core::Timestamp kT0 = *platform::core::parse_rfc3339("2026-05-01T08:00:00Z");

json::object object_of(std::string_view text) {
  return json::parse(text).as_object();
}

std::vector<std::string> fields_of(const std::vector<FieldError>& errors) {
  std::vector<std::string> fields;
  for (const auto& error : errors) fields.push_back(error.field);
  return fields;
}

constexpr std::string_view kCompleteBody = R"({
  "subject_id": "0192f0c4-0000-7000-8000-000000000001",
  "academic_year": "2026/2027",
  "term": "full_year",
  "title": "Programming I",
  "summary": "Variables, functions and tests.",
  "languages": ["en", "cs"],
  "ects_credits": 7.5,
  "teaching_mode": "in_person",
  "workload": {"lectures": 26, "tutorials": 26, "labs": 20, "self_study": 130},
  "learning_outcomes": [{"code": "LO1", "statement": "Write a function."},
                        {"code": "LO2", "statement": "Test it."}],
  "prerequisites": [{"text": "Algebra"},
                    {"text": "Intro", "subject_id": "0192f0c4-0000-7000-8000-000000000002"},
                    {"text": "Logic", "subject_id": null}],
  "schedule": [{"week": 1, "title": "Values", "topics": ["numbers", "text"]},
               {"week": 2, "title": "Functions"}],
  "assessments": [{"name": "Exam", "kind": "exam", "session": "first", "weight_pct": 100,
                   "outcome_codes": ["LO1", "LO2"]},
                  {"name": "Resit", "kind": "oral", "session": "resit", "weight_pct": 100}],
  "readings": ["A Tour of C++"],
  "instructors": [{"name": "Ada", "email": "ada@example.org"}, {"name": "Alan", "email": null},
                  {"name": "Grace"}],
  "attachments": ["0192f0c4-0000-7000-8000-0000000000f1"],
  "body": "# Programming I\n",
  "visibility": "public"
})";

Syllabus complete_syllabus() {
  const ParsedDraft parsed = parse_draft(object_of(kCompleteBody));
  return *domain::new_syllabus(*Uuid::parse("0192f0c4-0000-7000-8000-0000000000aa"), parsed.draft,
                               "author", kT0);
}

// ---- Parsing ------------------------------------------------------------------------------

TEST(SyllabusJson, ParsesEveryWritableField) {
  const ParsedDraft parsed = parse_draft(object_of(kCompleteBody));
  EXPECT_TRUE(parsed.errors.empty());
  const SyllabusDraft& draft = parsed.draft;
  EXPECT_EQ(draft.subject_id, Uuid::parse("0192f0c4-0000-7000-8000-000000000001"));
  EXPECT_EQ(draft.academic_year, "2026/2027");
  EXPECT_EQ(draft.term, domain::Term::kFullYear);
  EXPECT_EQ(draft.title, "Programming I");
  EXPECT_EQ(draft.languages, (std::vector<std::string>{"en", "cs"}));
  EXPECT_EQ(draft.ects_credits, domain::EctsCredits{75});
  EXPECT_EQ(draft.teaching_mode, domain::TeachingMode::kInPerson);
  EXPECT_EQ(draft.workload, (domain::Workload{26, 26, 20, 130}));
  EXPECT_EQ(draft.learning_outcomes->at(1), (domain::LearningOutcome{"LO2", "Test it."}));
  EXPECT_EQ(draft.prerequisites->at(0).subject_id, std::nullopt);
  EXPECT_EQ(draft.prerequisites->at(1).subject_id,
            Uuid::parse("0192f0c4-0000-7000-8000-000000000002"));
  EXPECT_EQ(draft.prerequisites->at(2).subject_id, std::nullopt);
  EXPECT_EQ(draft.schedule->at(0).topics, (std::vector<std::string>{"numbers", "text"}));
  EXPECT_TRUE(draft.schedule->at(1).topics.empty());
  EXPECT_EQ(draft.assessments->at(1),
            (domain::Assessment{
                "Resit", domain::AssessmentKind::kOral, domain::Session::kResit, 100, {}}));
  EXPECT_EQ(draft.instructors->at(0).email, "ada@example.org");
  EXPECT_EQ(draft.instructors->at(1).email, std::nullopt);
  EXPECT_EQ(draft.instructors->at(2).email, std::nullopt);
  EXPECT_EQ(draft.attachments->size(), 1u);
  EXPECT_EQ(draft.body, "# Programming I\n");
  EXPECT_EQ(draft.visibility, domain::Visibility::kPublic);
  EXPECT_TRUE(domain::validate_draft(draft).empty());
}

TEST(SyllabusJson, ParsesAnEmptyPatchAsAnEmptyDraft) {
  const ParsedDraft parsed = parse_draft({});
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.draft, SyllabusDraft{});
}

TEST(SyllabusJson, TakesEctsCreditsInStepsOfATenth) {
  EXPECT_EQ(parse_draft(object_of(R"({"ects_credits":6})")).draft.ects_credits,
            domain::EctsCredits{60});
  EXPECT_EQ(parse_draft(object_of(R"({"ects_credits":0.5})")).draft.ects_credits,
            domain::EctsCredits{5});
  EXPECT_EQ(
      parse_draft(object_of(R"({"ects_credits":7.55})")).errors,
      (std::vector<FieldError>{{"ects_credits", "must be a number in steps of 0.1, such as 7.5"}}));
  EXPECT_EQ(parse_draft(object_of(R"({"ects_credits":"6"})")).errors,
            (std::vector<FieldError>{{"ects_credits", "must be a number"}}));
  // Far out of range is the rule's to report, not a type error.
  const ParsedDraft huge = parse_draft(object_of(R"({"ects_credits":1e300})"));
  EXPECT_TRUE(huge.errors.empty());
  EXPECT_EQ(fields_of(domain::validate_draft(huge.draft)),
            std::vector<std::string>{"ects_credits"});
}

TEST(SyllabusJson, ReportsWrongTypesWithTheirPaths) {
  const ParsedDraft parsed = parse_draft(object_of(R"({
    "title": 5,
    "languages": "en",
    "workload": {"lectures": 1, "tutorials": 2, "labs": 1.5, "self_study": "4"},
    "learning_outcomes": [{"code": "LO1", "statement": "ok"}, {"code": 3, "statement": "s"}],
    "schedule": [{"week": 1, "title": "t", "topics": ["a", 7]}],
    "assessments": [{"name": "n", "kind": "exam", "session": "first", "weight_pct": "60"}],
    "attachments": ["nope"],
    "subject_id": "0192f0c4"
  })"));
  EXPECT_EQ(parsed.errors,
            (std::vector<FieldError>{{"title", "must be a string"},
                                     {"languages", "must be an array"},
                                     {"workload.labs", "must be an integer"},
                                     {"workload.self_study", "must be an integer"},
                                     {"learning_outcomes[1].code", "must be a string"},
                                     {"schedule[0].topics[1]", "must be a string"},
                                     {"assessments[0].weight_pct", "must be an integer"},
                                     {"attachments[0]", "must be a UUID"},
                                     {"subject_id", "must be a UUID"}}));
}

TEST(SyllabusJson, ReportsUnknownAndReadOnlyFieldsAtAnyDepth) {
  const ParsedDraft parsed = parse_draft(object_of(R"({
    "colour": "red",
    "version": 3,
    "status": "published",
    "published_at": "2026-01-01T00:00:00Z",
    "learning_outcomes": [{"code": "LO1", "statement": "s", "level": 2}],
    "workload": {"lectures": 1, "tutorials": 2, "labs": 3, "self_study": 4, "total": 10}
  })"));
  EXPECT_EQ(parsed.errors,
            (std::vector<FieldError>{{"colour", "is not a known field"},
                                     {"version", "is read-only"},
                                     {"status", "is read-only"},
                                     {"published_at", "is read-only"},
                                     {"learning_outcomes[0].level", "is not a known field"},
                                     {"workload.total", "is not a known field"}}));
}

TEST(SyllabusJson, ReportsMissingMembersOfAnItem) {
  const ParsedDraft parsed = parse_draft(object_of(R"({
    "workload": {"lectures": 1, "tutorials": 2, "labs": 3},
    "learning_outcomes": [{"code": "LO1"}],
    "prerequisites": [{"subject_id": "0192f0c4-0000-7000-8000-000000000002"}],
    "schedule": [{"topics": []}],
    "assessments": [{"name": "Exam"}],
    "instructors": [{"email": "a@b.cz"}]
  })"));
  EXPECT_EQ(parsed.errors,
            (std::vector<FieldError>{{"workload.self_study", "is required"},
                                     {"learning_outcomes[0].statement", "is required"},
                                     {"prerequisites[0].text", "is required"},
                                     {"schedule[0].week", "is required"},
                                     {"schedule[0].title", "is required"},
                                     {"assessments[0].kind", "is required"},
                                     {"assessments[0].session", "is required"},
                                     {"assessments[0].weight_pct", "is required"},
                                     {"instructors[0].name", "is required"}}));
}

TEST(SyllabusJson, ReportsUnknownNamesWithTheAllowedOnes) {
  const ParsedDraft parsed = parse_draft(object_of(R"({
    "term": "winter", "teaching_mode": "online", "visibility": 1,
    "assessments": [{"name": "n", "kind": "essay", "session": "second", "weight_pct": 1}]
  })"));
  EXPECT_EQ(parsed.errors,
            (std::vector<FieldError>{
                {"term", "must be one of: autumn, spring, summer, full_year"},
                {"teaching_mode", "must be one of: in_person, distant, hybrid"},
                {"visibility", "must be one of: public, authenticated"},
                {"assessments[0].kind",
                 "must be one of: exam, coursework, project, presentation, lab, quiz, oral, other"},
                {"assessments[0].session", "must be one of: first, resit"}}));
}

TEST(SyllabusJson, AcceptsNullOnlyForTheOptionalMembersOfAnItem) {
  EXPECT_TRUE(parse_draft(object_of(R"({"instructors":[{"name":"A","email":null}],
                                        "prerequisites":[{"text":"t","subject_id":null}]})"))
                  .errors.empty());
  EXPECT_EQ(
      fields_of(
          parse_draft(object_of(
                          R"({"title":null,"ects_credits":null,"teaching_mode":null,"workload":null,
                    "languages":null,"schedule":[{"week":1,"title":"t","topics":null}]})"))
              .errors),
      (std::vector<std::string>{"title", "ects_credits", "teaching_mode", "workload", "languages",
                                "schedule[0].topics"}));
}

TEST(SyllabusJson, KeepsTheIndicesOfItemsAfterABadOne) {
  const ParsedDraft parsed = parse_draft(object_of(
      R"({"learning_outcomes": [5, {"code": "L O", "statement": "s"}, {"code": "L3"}]})"));
  ASSERT_EQ(parsed.draft.learning_outcomes->size(), 3u);
  const auto errors = merge_errors(parsed.errors, domain::validate_draft(parsed.draft));
  EXPECT_EQ(errors, (std::vector<FieldError>{
                        {"learning_outcomes[0]", "must be an object"},
                        {"learning_outcomes[2].statement", "is required"},
                        {"learning_outcomes[1].code",
                         "must be 1 to 20 characters of A-Z, a-z, 0-9, '.', '-' and '_'"}}));
}

TEST(SyllabusJson, MergesRuleErrorsOnlyForValuesWithoutTypeErrors) {
  const auto merged =
      merge_errors({{"schedule[1]", "must be an object"}, {"title", "must be a string"}},
                   {{"title", "must be at most 200 characters"},
                    {"schedule[1].title", "must not be empty"},
                    {"schedule[10].week", "must be from 1 to 60"},
                    {"schedule", "must have at most 100 items"}});
  EXPECT_EQ(merged, (std::vector<FieldError>{{"schedule[1]", "must be an object"},
                                             {"title", "must be a string"},
                                             {"schedule[10].week", "must be from 1 to 60"},
                                             {"schedule", "must have at most 100 items"}}));
}

TEST(SyllabusJson, CollectsTypeAndRuleErrorsOfABodyAtOnce) {
  const ParsedDraft parsed = parse_draft(object_of(R"({
    "title": "Programming\nI", "languages": ["en", "xx", 1], "nickname": "P1",
    "assessments": [{"name": "Exam", "kind": "exam", "session": "first", "weight_pct": 120,
                     "outcome_codes": ["LO1", "LO1"]}],
    "academic_year": "2026/2028"
  })"));
  EXPECT_EQ(fields_of(merge_errors(parsed.errors, domain::validate_draft(parsed.draft))),
            (std::vector<std::string>{"languages[2]", "nickname", "academic_year", "title",
                                      "languages[1]", "assessments[0].weight_pct",
                                      "assessments[0].outcome_codes[1]"}));
}

// ---- Rendering ----------------------------------------------------------------------------

TEST(SyllabusJson, WritesEveryFieldOfASyllabus) {
  const json::object json = to_json(complete_syllabus());
  EXPECT_EQ(json.at("id").as_string(), "0192f0c4-0000-7000-8000-0000000000aa");
  EXPECT_EQ(json.at("term").as_string(), "full_year");
  EXPECT_EQ(json.at("revision").as_int64(), 1);
  EXPECT_TRUE(json.at("parent_revision").is_null());
  EXPECT_EQ(json.at("status").as_string(), "draft");
  EXPECT_EQ(json.at("ects_credits").as_double(), 7.5);
  EXPECT_EQ(json.at("teaching_mode").as_string(), "in_person");
  EXPECT_EQ(json.at("workload").at("self_study").as_int64(), 130);
  EXPECT_EQ(json.at("assessments").at(1).at("kind").as_string(), "oral");
  EXPECT_TRUE(json.at("assessments").at(1).at("outcome_codes").as_array().empty());
  EXPECT_TRUE(json.at("prerequisites").at(0).at("subject_id").is_null());
  EXPECT_TRUE(json.at("instructors").at(1).at("email").is_null());
  EXPECT_EQ(json.at("visibility").as_string(), "public");
  EXPECT_EQ(json.at("subject_deleted").as_bool(), false);
  EXPECT_TRUE(json.at("flagged_attachments").as_array().empty());
  EXPECT_TRUE(json.at("review_comment").is_null());
  EXPECT_EQ(json.at("version").as_int64(), 1);
  EXPECT_EQ(json.at("created_at").as_string(), "2026-05-01T08:00:00.000000Z");
  EXPECT_EQ(json.at("created_by").as_string(), "author");
  EXPECT_EQ(json.at("updated_by").as_string(), "author");
  for (const char* step : {"submitted", "rejected", "published", "superseded", "archived"}) {
    EXPECT_TRUE(json.at(std::string(step) + "_at").is_null()) << step;
    EXPECT_TRUE(json.at(std::string(step) + "_by").is_null()) << step;
  }
  EXPECT_EQ(json.size(), 40u);
}

TEST(SyllabusJson, WritesUnwrittenValuesAsNullAndWholeCreditsAsIntegers) {
  Syllabus syllabus = complete_syllabus();
  syllabus.ects_credits.reset();
  syllabus.teaching_mode.reset();
  syllabus.workload.reset();
  EXPECT_TRUE(to_json(syllabus).at("ects_credits").is_null());
  EXPECT_TRUE(to_json(syllabus).at("teaching_mode").is_null());
  EXPECT_TRUE(to_json(syllabus).at("workload").is_null());
  syllabus.ects_credits = domain::EctsCredits{60};
  EXPECT_EQ(to_json(syllabus).at("ects_credits").as_int64(), 6);
}

TEST(SyllabusJson, WritesTransitionsStampsAndTheReviewComment) {
  Syllabus syllabus = *domain::submit(complete_syllabus(), "author", kT0);
  syllabus = *domain::reject(syllabus, "Add readings.", "reviewer", kT0 + std::chrono::hours(1));
  const json::object json = to_json(syllabus);
  EXPECT_EQ(json.at("submitted_by").as_string(), "author");
  EXPECT_EQ(json.at("rejected_at").as_string(), "2026-05-01T09:00:00.000000Z");
  EXPECT_EQ(json.at("review_comment").as_string(), "Add readings.");
  EXPECT_EQ(json.at("version").as_int64(), 3);
}

TEST(SyllabusJson, ReadsBackWhatItWrites) {
  const Syllabus syllabus = complete_syllabus();
  // Through text, as a client would: the fraction and the UTF-8 survive.
  json::object body = json::parse(json::serialize(to_json(syllabus))).as_object();
  for (std::string_view read_only : {"id",
                                     "revision",
                                     "parent_revision",
                                     "status",
                                     "subject_deleted",
                                     "flagged_attachments",
                                     "review_comment",
                                     "version",
                                     "created_at",
                                     "created_by",
                                     "updated_at",
                                     "updated_by",
                                     "submitted_at",
                                     "submitted_by",
                                     "rejected_at",
                                     "rejected_by",
                                     "published_at",
                                     "published_by",
                                     "superseded_at",
                                     "superseded_by",
                                     "archived_at",
                                     "archived_by"})
    EXPECT_EQ(body.erase(read_only), 1u) << read_only;
  const ParsedDraft parsed = parse_draft(body);
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.draft, domain::to_draft(syllabus));
}

TEST(SyllabusJson, RefusesTheReadOnlyFieldsItWrites) {
  const ParsedDraft parsed = parse_draft(to_json(complete_syllabus()));
  EXPECT_EQ(parsed.errors.size(), 22u);
  for (const auto& error : parsed.errors) EXPECT_EQ(error.message, "is read-only") << error.field;
}

TEST(SyllabusJson, WritesFieldErrorsAsAProblemsErrorsList) {
  EXPECT_EQ(json::serialize(to_json(std::vector<FieldError>{{"title", "is required"}})),
            R"([{"field":"title","message":"is required"}])");
}

TEST(SyllabusJson, WritesAPublishCheckAsErrorsAndWarnings) {
  Syllabus syllabus = complete_syllabus();
  syllabus.title.clear();
  syllabus.workload = domain::Workload{1, 0, 0, 0};
  const json::object json = to_json(domain::check_publishable(syllabus));
  EXPECT_EQ(json.at("publishable").as_bool(), false);
  EXPECT_EQ(json::serialize(json.at("errors")),
            R"([{"field":"title","message":"is required to publish"}])");
  ASSERT_EQ(json.at("warnings").as_array().size(), 1u);
  EXPECT_EQ(json.at("warnings").at(0).at("field").as_string(), "workload");
  EXPECT_TRUE(to_json(domain::check_publishable(complete_syllabus())).at("publishable").as_bool());
}

TEST(SyllabusJson, WritesADiffWithBothValuesOfEachChangedField) {
  const Syllabus from = complete_syllabus();
  const Syllabus to = *domain::apply(
      from, {.title = "Programming 1", .ects_credits = domain::EctsCredits{60}}, "editor", kT0);
  const json::object json = diff_to_json(from, to);
  EXPECT_EQ(json.at("from").at("version").as_int64(), 1);
  EXPECT_EQ(json.at("to").at("version").as_int64(), 2);
  EXPECT_EQ(json.at("to").at("revision").as_int64(), 1);
  EXPECT_EQ(json::serialize(json.at("changes")),
            R"([{"field":"title","from":"Programming I","to":"Programming 1"},)"
            R"({"field":"ects_credits","from":7.5E0,"to":6}])");
  EXPECT_TRUE(diff_to_json(from, from).at("changes").as_array().empty());
}

}  // namespace
}  // namespace syllabus_service::api
