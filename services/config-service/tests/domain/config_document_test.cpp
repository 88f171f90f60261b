#include "domain/config_document.h"

#include <gtest/gtest.h>

namespace config_service::domain {
namespace {

using platform::core::ErrorCode;
using platform::core::FieldError;

SettingSchema schema() {
  auto parsed = SettingSchema::parse(R"({"settings":[
      {"key":"log.level","type":"enum","values":["debug","info"],"dynamic":true},
      {"key":"pool","type":"integer","min":1,"max":64,"description":"connections"},
      {"key":"strict","type":"boolean"},
      {"key":"name","type":"string"},
      {"key":"api.key","type":"string","secret":true}]})");
  EXPECT_TRUE(parsed) << parsed.error().detail();
  return *parsed;
}

TEST(SettingSchema, ParsesEveryFieldAndRoundTrips) {
  const auto s = schema();
  ASSERT_EQ(s.settings().size(), 5u);
  EXPECT_EQ(s.find("pool")->min, 1);
  EXPECT_EQ(s.find("pool")->max, 64);
  EXPECT_EQ(s.find("pool")->description, "connections");
  EXPECT_TRUE(s.find("log.level")->dynamic);
  EXPECT_TRUE(s.find("api.key")->secret);
  EXPECT_FALSE(s.find("name")->secret);
  EXPECT_EQ(*SettingSchema::parse(s.to_json()), s);
}

TEST(SettingSchema, KnowsWhichSettingsAreSecret) {
  const auto s = schema();
  EXPECT_TRUE(s.is_secret("api.key"));
  EXPECT_FALSE(s.is_secret("pool"));
  EXPECT_FALSE(s.is_secret("unknown"));
  EXPECT_TRUE(s.holds_secret({{"pool", "2"}, {"api.key", "x"}}));
  EXPECT_FALSE(s.holds_secret({{"pool", "2"}}));
  EXPECT_EQ(SettingSchema::parse(R"({"settings":[{"key":"a","secret":"yes"}]})")
                .error()
                .field_errors()
                .at(0)
                .field,
            "settings[0].secret");
}

TEST(SettingSchema, RejectsEveryBadEntry) {
  auto parsed = SettingSchema::parse(
      R"({"settings":[{"type":"integer"},{"key":"a","type":"float"},{"key":"b","type":"enum"},
                      {"key":"a"},{"key":"c","min":"x"}]})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().field_errors().size(), 5u);
  EXPECT_EQ(SettingSchema::parse("[1]").error().code(), ErrorCode::kMalformed);
}

TEST(SettingSchema, ValidationListsEveryProblem) {
  const auto errors = schema().validate("svc", {{"log.level", "loud"},
                                                {"pool", "65"},
                                                {"strict", "yes"},
                                                {"nope", "1"},
                                                {"name", "anything"}});
  EXPECT_EQ(errors, (std::vector<FieldError>{{"settings.log.level", "must be one of debug, info"},
                                             {"settings.nope", "is not a setting of svc"},
                                             {"settings.pool", "must be an integer from 1 to 64"},
                                             {"settings.strict", "must be true or false"}}));
  EXPECT_EQ(schema().validate("svc", {{"pool", "x1"}}).size(), 1u);
  EXPECT_EQ(schema().validate("svc", {{"pool", "0"}}).size(), 1u);
  EXPECT_TRUE(schema()
                  .validate("svc", {{"log.level", "debug"}, {"pool", "64"}, {"strict", "false"}})
                  .empty());
}

TEST(ConfigDocument, MergeOverlaysTheEnvironmentOnTheDefault) {
  EXPECT_EQ(merge({{"a", "1"}, {"b", "2"}}, {{"b", "3"}, {"c", "4"}}),
            (Settings{{"a", "1"}, {"b", "3"}, {"c", "4"}}));
}

TEST(ConfigDocument, DiffListsChangedAddedAndRemovedKeys) {
  EXPECT_EQ(diff({{"a", "1"}, {"b", "2"}, {"same", "x"}}, {{"b", "3"}, {"c", "4"}, {"same", "x"}}),
            (std::vector<SettingChange>{
                {"a", "1", std::nullopt}, {"b", "2", "3"}, {"c", std::nullopt, "4"}}));
  EXPECT_TRUE(diff({{"a", "1"}}, {{"a", "1"}}).empty());
}

}  // namespace
}  // namespace config_service::domain
