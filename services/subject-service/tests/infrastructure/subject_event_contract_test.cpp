// What the service emits must match contracts/events/*.json, checked by a real JSON
// Schema validator (Debian's python3-jsonschema), not by re-reading our own code.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "infrastructure/subject_event_mapper.h"
#include "platform/testing/event_contracts.h"

namespace subject_service::infrastructure {
namespace {

const std::string kSourceDir = SYL_SOURCE_DIR;

domain::Subject sample_subject() {
  return domain::new_subject(platform::core::Uuid::v7(),
                             {.code = "CS-101",
                              .name = "Ünïcødé \"Programming\"",
                              .description = "line\nbreak",
                              .credits = 6,
                              .department = "CS"},
                             platform::core::now_utc());
}

class SubjectEventContract : public ::testing::Test,
                             protected platform::testing::EventContractChecker {
 protected:
  SubjectEventContract() : EventContractChecker(kSourceDir) {}
};

TEST_F(SubjectEventContract, EveryEventTheServiceEmitsMatchesItsSchema) {
  const domain::Subject subject = sample_subject();
  const domain::Subject renamed =
      domain::apply(subject, {.name = "Programming I", .credits = 8}, platform::core::now_utc());
  const application::EventOrigin origin{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                        "req-42"};
  const std::vector<application::Change> changes = {
      {domain::SubjectCreated{subject}, origin},
      {domain::SubjectUpdated{renamed, domain::changed_fields(subject, renamed)}, origin},
      {domain::SubjectDeleted{renamed, platform::core::now_utc()}, {}},
  };
  std::vector<std::string> samples;
  for (const auto& change : changes) {
    const auto event = to_event(change);
    samples.push_back(write(event.type, platform::events::to_json(event)));
  }
  const auto result = validate(samples);
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(SubjectEventContract, TheValidatorRejectsAnEventThatBreaksTheContract) {
  const domain::Subject subject = sample_subject();
  auto json =
      boost::json::parse(platform::events::to_json(to_event({domain::SubjectCreated{subject}, {}})))
          .as_object();
  json["data"].as_object()["subject"].as_object().erase("code");
  json["data"].as_object()["subject"].as_object()["credits"] = 99;
  const auto result = validate({write("broken", boost::json::serialize(json))});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("'code' is a required property"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("credits"), std::string::npos) << result.output;
}

TEST(SubjectEvents, UpdatedCarriesTheChangedFieldsAndTheNewVersion) {
  const domain::Subject subject = sample_subject();
  const domain::Subject changed = domain::apply(subject, {.credits = 9}, platform::core::now_utc());
  const auto event =
      to_event({domain::SubjectUpdated{changed, domain::changed_fields(subject, changed)}, {}});
  EXPECT_EQ(event.type, "subject.updated.v1");
  EXPECT_EQ(event.subject, subject.id.to_string());
  const auto data = boost::json::parse(event.data).as_object();
  EXPECT_EQ(data.at("version").as_int64(), 2);
  EXPECT_EQ(data.at("changed_fields").as_array().size(), 1u);
  EXPECT_EQ(data.at("changes").at("credits").as_int64(), 9);
}

}  // namespace
}  // namespace subject_service::infrastructure
