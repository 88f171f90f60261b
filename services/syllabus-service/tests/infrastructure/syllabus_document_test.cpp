#include "infrastructure/syllabus_document.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "infrastructure/syllabus_samples.h"

namespace syllabus_service::infrastructure {
namespace {

using platform::core::ErrorCode;
using platform::core::Timestamp;
using platform::core::Uuid;

const Timestamp kT0 = *platform::core::parse_rfc3339("2026-05-01T08:00:00.123456Z");

domain::Stamp at(int hours, std::string by) {
  return {kT0 + std::chrono::hours(hours), std::move(by)};
}

// Every field away from its default, every optional stamp set.
domain::Syllabus everything() {
  domain::Syllabus s =
      *domain::new_syllabus(Uuid::v7(), testing::complete_draft(Uuid::v7()), "author", kT0);
  s.revision = 3;
  s.parent_revision = 2;
  s.status = domain::Status::kArchived;
  s.term = domain::Term::kFullYear;
  s.attachments.push_back(testing::kFileB);
  s.subject_deleted = true;
  s.flagged_attachments = {testing::kFileB};
  s.review_comment = "Please add the\nresit weights ✓";
  s.version = 42;
  s.updated = at(1, "editor");
  s.submitted = at(2, "author");
  s.rejected = at(3, "reviewer");
  s.published = at(4, "reviewer");
  s.superseded = at(5, "system");
  s.archived = at(6, "admin");
  return s;
}

boost::json::object as_object(const std::string& document) {
  return boost::json::parse(document).as_object();
}

TEST(SyllabusDocument, ReadsBackEveryFieldItWrites) {
  const domain::Syllabus s = everything();
  auto back = from_document(to_document(s));
  ASSERT_TRUE(back) << back.error().log_detail();
  EXPECT_EQ(*back, s);
}

TEST(SyllabusDocument, ReadsBackAnEmptyDraftWithItsUnwrittenValues) {
  const domain::Syllabus s = *domain::new_syllabus(
      Uuid::v7(),
      {.subject_id = Uuid::v7(), .academic_year = "2026/2027", .term = domain::Term::kSpring},
      "author", kT0);
  ASSERT_FALSE(s.ects_credits);
  ASSERT_FALSE(s.workload);
  auto back = from_document(to_document(s));
  ASSERT_TRUE(back) << back.error().log_detail();
  EXPECT_EQ(*back, s);
  const auto json = as_object(to_document(s));
  EXPECT_TRUE(json.at("ects_tenths").is_null());
  EXPECT_TRUE(json.at("published").is_null());
  EXPECT_TRUE(json.at("parent_revision").is_null());
}

TEST(SyllabusDocument, ReadsBackEveryValueOfEveryEnumeration) {
  domain::Syllabus s = everything();
  for (auto status : {domain::Status::kDraft, domain::Status::kInReview, domain::Status::kPublished,
                      domain::Status::kSuperseded}) {
    s.status = status;
    EXPECT_EQ(from_document(to_document(s))->status, status);
  }
  for (auto term : {domain::Term::kAutumn, domain::Term::kSpring, domain::Term::kSummer}) {
    s.term = term;
    EXPECT_EQ(from_document(to_document(s))->term, term);
  }
  for (auto mode : {domain::TeachingMode::kInPerson, domain::TeachingMode::kDistant}) {
    s.teaching_mode = mode;
    EXPECT_EQ(from_document(to_document(s))->teaching_mode, mode);
  }
  s.visibility = domain::Visibility::kAuthenticated;
  EXPECT_EQ(from_document(to_document(s))->visibility, domain::Visibility::kAuthenticated);
  for (auto kind : {domain::AssessmentKind::kCoursework, domain::AssessmentKind::kPresentation,
                    domain::AssessmentKind::kLab, domain::AssessmentKind::kQuiz,
                    domain::AssessmentKind::kOther}) {
    s.assessments[0].kind = kind;
    EXPECT_EQ(from_document(to_document(s))->assessments[0].kind, kind);
  }
}

TEST(SyllabusDocument, KeepsCreditsAsExactTenths) {
  domain::Syllabus s = everything();
  s.ects_credits = domain::EctsCredits{75};
  EXPECT_EQ(as_object(to_document(s)).at("ects_tenths").as_int64(), 75);
  EXPECT_EQ(from_document(to_document(s))->ects_credits->tenths, 75);
}

TEST(SyllabusDocument, IgnoresMembersItDoesNotKnow) {
  const domain::Syllabus s = everything();
  auto json = as_object(to_document(s));
  json["added_by_a_newer_release"] = boost::json::array{1, 2};
  json["workload"].as_object()["field_trips"] = 3;
  auto back = from_document(boost::json::serialize(json));
  ASSERT_TRUE(back) << back.error().log_detail();
  EXPECT_EQ(*back, s);
}

void expect_unreadable(const std::string& document, const std::string& problem) {
  auto back = from_document(document);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code(), ErrorCode::kInternal);
  EXPECT_NE(back.error().log_detail().find(problem), std::string::npos)
      << back.error().log_detail();
}

TEST(SyllabusDocument, RefusesADocumentThatIsNotWhatItWrites) {
  const domain::Syllabus s = everything();
  const auto with = [&](const std::function<void(boost::json::object&)>& change) {
    auto json = as_object(to_document(s));
    change(json);
    return boost::json::serialize(json);
  };
  expect_unreadable("{not json", "not JSON");
  expect_unreadable("[]", "is not an object");
  expect_unreadable(with([](auto& j) { j.erase("title"); }), "title is missing");
  expect_unreadable(with([](auto& j) { j["format"] = 2; }), "format is 2, not 1");
  expect_unreadable(with([](auto& j) { j["version"] = "7"; }), "version is not an integer");
  expect_unreadable(with([](auto& j) { j["status"] = "lost"; }),
                    "status names no known value: \"lost\"");
  expect_unreadable(with([](auto& j) { j["schedule"].as_array()[1].as_object()["week"] = 1.5; }),
                    "schedule[1].week is not an integer");
  expect_unreadable(
      with([](auto& j) { j["assessments"].as_array()[2].as_object().erase("outcome_codes"); }),
      "assessments[2].outcome_codes is missing");
  expect_unreadable(with([](auto& j) { j["attachments"].as_array()[0] = "nope"; }),
                    "attachments[0] is not a UUID");
  expect_unreadable(with([](auto& j) { j["published"].as_object()["at"] = "yesterday"; }),
                    "published.at is not an RFC 3339 time");
  expect_unreadable(with([](auto& j) { j["subject_deleted"] = 1; }),
                    "subject_deleted is not a boolean");
  // The message names the syllabus, for the operator who reads the log.
  expect_unreadable(with([](auto& j) { j.erase("body"); }), s.id.to_string());
}

}  // namespace
}  // namespace syllabus_service::infrastructure
