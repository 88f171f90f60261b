#include "platform/events/event.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "platform/core/uuid.h"

namespace platform::events {
namespace {

namespace json = boost::json;

Event sample_event() {
  return make_event("/subject-service", "subject.created.v1",
                    "0192f0c4-0000-7000-8000-000000000001",
                    R"({"id":"0192f0c4-0000-7000-8000-000000000001","code":"CS-101","credits":6})",
                    {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "req-42"});
}

bool has_field_error(const core::Error& error, std::string_view field) {
  for (const auto& field_error : error.field_errors())
    if (field_error.field == field) return true;
  return false;
}

TEST(EventEnvelope, MakeEventGivesAFreshVersion7IdAndTheCurrentTime) {
  const auto before = core::now_utc();
  const Event first = sample_event();
  const Event second = sample_event();
  const auto after = core::now_utc();

  const auto id = core::Uuid::parse(first.id);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->version(), 7);
  EXPECT_NE(first.id, second.id);
  EXPECT_GE(first.time, before);
  EXPECT_LE(first.time, after);
  EXPECT_EQ(first.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(first.correlation_id, "req-42");
  EXPECT_EQ(first.datacontenttype, "application/json");
}

TEST(EventEnvelope, SurvivesARoundTripThroughJson) {
  const Event event = sample_event();
  const auto back = parse_event(to_json(event));
  ASSERT_TRUE(back.has_value()) << back.error().detail();
  EXPECT_EQ(*back, event);
}

TEST(EventEnvelope, IsCloudEventsStructuredJsonWithDataAsAnObject) {
  const json::object document = json::parse(to_json(sample_event())).as_object();
  EXPECT_EQ(document.at("specversion"), "1.0");
  EXPECT_EQ(document.at("source"), "/subject-service");
  EXPECT_EQ(document.at("type"), "subject.created.v1");
  EXPECT_EQ(document.at("datacontenttype"), "application/json");
  EXPECT_EQ(document.at("traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(document.at("correlationid"), "req-42");
  ASSERT_TRUE(document.at("data").is_object());
  EXPECT_EQ(document.at("data").at("code"), "CS-101");
  const std::string time(document.at("time").as_string());
  EXPECT_TRUE(core::parse_rfc3339(time).has_value()) << time;
  EXPECT_EQ(time.back(), 'Z');
}

TEST(EventEnvelope, OmitsEmptyExtensions) {
  Event event = make_event("/subject-service", "subject.deleted.v1", "s-1", "{}", {});
  const json::object document = json::parse(to_json(event)).as_object();
  EXPECT_FALSE(document.contains("traceparent"));
  EXPECT_FALSE(document.contains("correlationid"));
  const auto back = parse_event(to_json(event));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, event);
}

TEST(EventEnvelope, RefusesToSerialiseDataThatIsNotAJsonObject) {
  EXPECT_THROW(to_json(make_event("/s", "a.b.v1", "x", "not json", {})), std::logic_error);
  EXPECT_THROW(to_json(make_event("/s", "a.b.v1", "x", "[1,2]", {})), std::logic_error);
}

TEST(EventEnvelope, ParseReportsEveryMissingRequiredAttribute) {
  const auto parsed = parse_event("{}");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), core::ErrorCode::kMalformed);
  for (const char* field : {"specversion", "id", "source", "type", "time", "subject", "data"})
    EXPECT_TRUE(has_field_error(parsed.error(), field)) << field;
  EXPECT_FALSE(has_field_error(parsed.error(), "traceparent"));
}

TEST(EventEnvelope, ParseRejectsBadAttributeValues) {
  json::object document = json::parse(to_json(sample_event())).as_object();
  document["specversion"] = "0.3";
  document["time"] = "yesterday";
  document["id"] = 42;
  document["data"] = "a string";
  document["correlationid"] = json::array{};
  document["datacontenttype"] = "text/plain";
  const auto parsed = parse_event(json::serialize(document));
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), core::ErrorCode::kMalformed);
  for (const char* field :
       {"specversion", "time", "id", "data", "correlationid", "datacontenttype"})
    EXPECT_TRUE(has_field_error(parsed.error(), field)) << field;
  EXPECT_FALSE(has_field_error(parsed.error(), "source"));
}

TEST(EventEnvelope, ParseRejectsTextThatIsNotAJsonObject) {
  for (const char* text : {"", "not json", "[]", "\"event\"", "{\"id\":", "null"}) {
    const auto parsed = parse_event(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code(), core::ErrorCode::kMalformed) << text;
  }
}

TEST(EventEnvelope, ParseAcceptsAMissingDataContentType) {
  json::object document = json::parse(to_json(sample_event())).as_object();
  document.erase("datacontenttype");
  const auto parsed = parse_event(json::serialize(document));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->datacontenttype, "application/json");
}

TEST(EventTypeName, SplitsNameAndVersion) {
  const auto type = parse_type("subject.created.v1");
  ASSERT_TRUE(type.has_value());
  EXPECT_EQ(type->name, "subject.created");
  EXPECT_EQ(type->version, 1);
  const auto later = parse_type("syllabus.published.v12");
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->name, "syllabus.published");
  EXPECT_EQ(later->version, 12);
}

TEST(EventTypeName, RejectsTypesWithoutAVersionSuffix) {
  for (const char* type : {"", "subject.created", "subject.created.v", "subject.created.v0",
                           "subject.created.v01", "subject.created.v1x", "subject.created.V1", "v1",
                           ".v1", "subject.created.v-1", "subject.created.v99999999999"})
    EXPECT_FALSE(parse_type(type).has_value()) << type;
}

}  // namespace
}  // namespace platform::events
