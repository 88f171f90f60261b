// What the service emits must match contracts/events/*.json, checked by a real JSON
// Schema validator (Debian's python3-jsonschema), not by re-reading our own code.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "infrastructure/syllabus_event_mapper.h"
#include "infrastructure/syllabus_samples.h"
#include "platform/testing/event_contracts.h"

namespace syllabus_service::infrastructure {
namespace {

using platform::core::Uuid;

const std::string kSourceDir = SYL_SOURCE_DIR;

class SyllabusEventContract : public ::testing::Test,
                              protected platform::testing::EventContractChecker {
 protected:
  SyllabusEventContract() : EventContractChecker(kSourceDir) {}
};

// One change of each kind, along a syllabus's lifecycle.
std::vector<application::Change> lifecycle() {
  const auto now = platform::core::now_utc();
  const application::EventOrigin origin{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                        "req-42"};
  const domain::Syllabus created =
      *domain::new_syllabus(Uuid::v7(), testing::complete_draft(Uuid::v7()), "author", now);
  const domain::Syllabus edited =
      *domain::apply(created, {.title = "Programming I (2026)"}, "author", now);
  const domain::Syllabus submitted = *domain::submit(edited, "author", now);
  const domain::Syllabus rejected = *domain::reject(submitted, "Too short", "reviewer", now);
  const domain::Syllabus published =
      *domain::publish(*domain::submit(rejected, "author", now), {}, "reviewer", now);
  const domain::Syllabus next = *domain::open_revision(published, "author", now);
  const domain::Syllabus next_published = *domain::publish(next, {false}, "reviewer", now);
  const domain::Syllabus archived = *domain::archive(next_published, "admin", now);
  return {
      {domain::SyllabusCreated{created}, origin},
      {domain::SyllabusUpdated{edited, domain::changed_fields(created, edited)}, origin},
      {domain::SyllabusSubmitted{submitted}, origin},
      {domain::SyllabusUpdated{rejected, domain::changed_fields(submitted, rejected)}, {}},
      {domain::SyllabusPublished{published, std::nullopt}, origin},
      {domain::SyllabusCreated{next}, origin},
      {domain::SyllabusPublished{next_published, published.revision}, origin},
      {domain::SyllabusArchived{archived}, {}},
      {domain::SyllabusDeleted{archived, now}, origin},
  };
}

TEST_F(SyllabusEventContract, EveryEventTheServiceEmitsMatchesItsSchema) {
  std::vector<std::string> samples;
  std::set<std::string> types;
  for (const auto& change : lifecycle()) {
    const auto event = to_event(change);
    types.insert(event.type);
    samples.push_back(write(event.type, platform::events::to_json(event)));
  }
  EXPECT_EQ(types, (std::set<std::string>{"syllabus.created.v1", "syllabus.updated.v1",
                                          "syllabus.submitted.v1", "syllabus.published.v1",
                                          "syllabus.archived.v1", "syllabus.deleted.v1"}));
  const auto result = validate(samples);
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(SyllabusEventContract, TheValidatorRejectsAnEventThatBreaksTheContract) {
  const auto changes = lifecycle();
  auto json = boost::json::parse(platform::events::to_json(to_event(changes[4]))).as_object();
  ASSERT_EQ(json.at("type").as_string(), "syllabus.published.v1");
  auto& data = json["data"].as_object();
  data.erase("superseded_revision");
  data["status"] = "draft";
  data["term"] = "winter";
  const auto result = validate({write("broken", boost::json::serialize(json))});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("'superseded_revision' is a required property"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("data/status"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("data/term"), std::string::npos) << result.output;
}

TEST(SyllabusEvents, NameTheRevisionTheyAreAboutAndWhatEachAdds) {
  const auto changes = lifecycle();
  const auto updated = to_event(changes[1]);
  EXPECT_EQ(updated.type, "syllabus.updated.v1");
  EXPECT_EQ(updated.source, "/syllabus-service");
  const auto& syllabus = std::get<domain::SyllabusUpdated>(changes[1].event).syllabus;
  EXPECT_EQ(updated.subject, syllabus.id.to_string());
  EXPECT_EQ(updated.traceparent, changes[1].origin.traceparent);
  EXPECT_EQ(updated.correlation_id, "req-42");
  auto data = boost::json::parse(updated.data).as_object();
  EXPECT_EQ(data.at("id").as_string(), syllabus.id.to_string());
  EXPECT_EQ(data.at("subject_id").as_string(), syllabus.subject_id.to_string());
  EXPECT_EQ(data.at("revision").as_int64(), 1);
  EXPECT_EQ(data.at("version").as_int64(), 2);
  EXPECT_EQ(data.at("status").as_string(), "draft");
  EXPECT_EQ(data.at("title").as_string(), "Programming I (2026)");
  EXPECT_EQ(data.at("changed_fields"), (boost::json::array{"title"}));

  const auto rejected = boost::json::parse(to_event(changes[3]).data).as_object();
  EXPECT_EQ(rejected.at("changed_fields"), (boost::json::array{"status", "review_comment"}));

  const auto first = boost::json::parse(to_event(changes[4]).data).as_object();
  EXPECT_TRUE(first.at("superseded_revision").is_null());
  const auto next = boost::json::parse(to_event(changes[5]).data).as_object();
  EXPECT_EQ(next.at("revision").as_int64(), 2);
  EXPECT_EQ(next.at("parent_revision").as_int64(), 1);
  const auto second = boost::json::parse(to_event(changes[6]).data).as_object();
  EXPECT_EQ(second.at("superseded_revision").as_int64(), 1);
  const auto deleted = boost::json::parse(to_event(changes[8]).data).as_object();
  EXPECT_TRUE(deleted.at("deleted_at").is_string());
}

}  // namespace
}  // namespace syllabus_service::infrastructure
