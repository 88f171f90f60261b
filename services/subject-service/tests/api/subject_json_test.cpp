#include "api/subject_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace subject_service::api {
namespace {

boost::json::object object_of(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(SubjectJson, ParsesEveryWritableField) {
  const ParsedDraft parsed = parse_draft(
      object_of(R"({"code":"CS-101","name":"N","description":"D","credits":6,"department":"CS"})"));
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.draft.code, "CS-101");
  EXPECT_EQ(parsed.draft.credits, 6);
  EXPECT_EQ(parsed.draft.department, "CS");
}

TEST(SubjectJson, ReportsWrongTypesUnknownAndReadOnlyFields) {
  const ParsedDraft parsed =
      parse_draft(object_of(R"({"code":5,"name":null,"credits":"6","colour":"red","version":3})"));
  ASSERT_EQ(parsed.errors.size(), 5u);
  EXPECT_EQ(parsed.errors[0].field, "code");
  EXPECT_EQ(parsed.errors[0].message, "must be a string");
  EXPECT_EQ(parsed.errors[2].message, "must be an integer");
  EXPECT_EQ(parsed.errors[3].message, "is not a known field");
  EXPECT_EQ(parsed.errors[4].message, "is read-only");
}

TEST(SubjectJson, NullClearsOptionalText) {
  const ParsedDraft parsed = parse_draft(object_of(R"({"description":null,"department":null})"));
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.draft.description, "");
  EXPECT_EQ(parsed.draft.department, "");
}

TEST(SubjectJson, RejectsFractionalCredits) {
  EXPECT_EQ(parse_draft(object_of(R"({"credits":5.5})")).errors.size(), 1u);
}

TEST(SubjectJson, MergesRuleErrorsForFieldsWithoutTypeErrors) {
  const auto merged = merge_errors({{"code", "must be a string"}},
                                   {{"code", "is required"}, {"name", "is required"}});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].message, "must be a string");
  EXPECT_EQ(merged[1].field, "name");
}

TEST(SubjectJson, WritesEveryFieldOfASubject) {
  const auto id = platform::core::Uuid::v7();
  const auto subject = domain::new_subject(id, {.code = "AB", .name = "N \"q\" ✓", .credits = 3},
                                           *platform::core::parse_rfc3339("2026-01-02T03:04:05Z"));
  const auto json = to_json(subject);
  EXPECT_EQ(json.at("id").as_string(), id.to_string());
  EXPECT_EQ(json.at("name").as_string(), "N \"q\" ✓");
  EXPECT_EQ(json.at("version").as_int64(), 1);
  EXPECT_EQ(json.at("created_at").as_string(), "2026-01-02T03:04:05.000000Z");
}

}  // namespace
}  // namespace subject_service::api
