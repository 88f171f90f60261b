#include "domain/instance.h"

#include <gtest/gtest.h>

namespace config_service::domain {
namespace {

using namespace std::chrono_literals;

const platform::core::Timestamp kNow{std::chrono::seconds(1'800'000'000)};

Registration registration() {
  return {.service = "subject-service", .instance_id = "s-1", .url = "http://127.0.0.1:8101"};
}

TEST(TrafficSplit, EachFromZeroToAHundredAndTogetherAHundred) {
  EXPECT_TRUE(validate("subject-service", TrafficSplit{90, 10}).empty());
  EXPECT_TRUE(validate("subject-service", TrafficSplit{0, 100}).empty());
  const auto fields = [](const std::string& service, TrafficSplit split) {
    std::vector<std::string> names;
    for (const auto& error : validate(service, split)) names.push_back(error.field);
    return names;
  };
  EXPECT_EQ(fields("s", TrafficSplit{50, 40}), std::vector<std::string>{"green"});
  EXPECT_EQ(fields("s", TrafficSplit{101, -1}), (std::vector<std::string>{"blue", "green"}));
  EXPECT_EQ(fields("no spaces", TrafficSplit{}), std::vector<std::string>{"service"});
}

TEST(Registration, AValidOneHasNoErrors) {
  EXPECT_TRUE(validate(registration()).empty());
}

TEST(Registration, ListsEveryBadField) {
  Registration bad{
      .service = "", .instance_id = "a b", .url = "ftp://x", .colour = "red", .ttl_seconds = 301};
  std::vector<std::string> fields;
  for (const auto& error : validate(bad)) fields.push_back(error.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"service", "instance_id", "url", "colour", "ttl_seconds"}));
}

TEST(Registration, RefusesAUrlPeersCannotReach) {
  for (const char* url : {"http://0.0.0.0:8101", "http://[::]:8101", "https://", "http://a b/",
                          "mailto:ops@example.org", "ftp://host/"}) {
    Registration r = registration();
    r.url = url;
    const auto errors = validate(r);
    ASSERT_EQ(errors.size(), 1u) << url;
    EXPECT_EQ(errors[0].field, "url");
  }
  for (const char* url : {"http://[::1]:8101", "https://files.example.org/api", "http://host"}) {
    Registration r = registration();
    r.url = url;
    EXPECT_TRUE(validate(r).empty()) << url;
  }
}

TEST(Lease, RunsForTheTtlFromRegistration) {
  Registration r = registration();
  r.ttl_seconds = 5;
  const Instance instance = new_instance(r, kNow);
  EXPECT_EQ(instance.registered_at, kNow);
  EXPECT_EQ(instance.lease_expires_at, kNow + 5s);
}

TEST(Lease, IsValidUntilItsEndAndLapsedFromThen) {
  const Instance instance = new_instance(registration(), kNow);  // default 10 s
  EXPECT_FALSE(is_lapsed(instance, kNow));
  EXPECT_FALSE(is_lapsed(instance, kNow + 9999ms));
  EXPECT_TRUE(is_lapsed(instance, kNow + 10s));
  EXPECT_TRUE(is_lapsed(instance, kNow + 1h));
}

TEST(Lease, RenewingExtendsFromTheHeartbeatNotFromTheOldEnd) {
  const Instance instance = new_instance(registration(), kNow);
  const Instance renewed = renew(instance, kNow + 4s);
  EXPECT_EQ(renewed.lease_expires_at, kNow + 14s);
  EXPECT_EQ(renewed.registered_at, kNow);
}

}  // namespace
}  // namespace config_service::domain
