#include "platform/ratelimit/limiter.h"

#include <gtest/gtest.h>

#include <cmath>

#include "platform/ratelimit/redis_limiter.h"

namespace platform::ratelimit {
namespace {

std::vector<std::string> bad_fields(const Policy& policy) {
  const auto valid = validate_policy(policy);
  std::vector<std::string> fields;
  if (!valid) {
    EXPECT_EQ(valid.error().code(), core::ErrorCode::kInvalidArgument);
    for (const auto& error : valid.error().field_errors()) fields.push_back(error.field);
  }
  return fields;
}

TEST(ValidatePolicy, AcceptsTheDefaultAndSensibleNames) {
  EXPECT_TRUE(validate_policy({}).has_value());
  EXPECT_TRUE(validate_policy({.name = "uploads.v1-large_2", .rate_per_second = 0.5, .burst = 1})
                  .has_value());
}

TEST(ValidatePolicy, RefusesEveryBadFieldAtOnce) {
  using Fields = std::vector<std::string>;
  EXPECT_EQ(bad_fields({.name = "", .rate_per_second = 0, .burst = 0}),
            (Fields{"name", "rate_per_second", "burst"}));
  EXPECT_EQ(bad_fields({.name = "a:b"}), Fields{"name"}) << "':' would blur the Redis key";
  EXPECT_EQ(bad_fields({.name = std::string(65, 'a')}), Fields{"name"});
  EXPECT_EQ(bad_fields({.rate_per_second = std::nan("")}), Fields{"rate_per_second"});
  EXPECT_EQ(bad_fields({.rate_per_second = 2e6}), Fields{"rate_per_second"});
  EXPECT_EQ(bad_fields({.burst = 2'000'000}), Fields{"burst"});
}

TEST(CallerKey, IsTheUserElseTheAddress) {
  EXPECT_EQ(caller_key("42", "203.0.113.7"), "user:42");
  EXPECT_EQ(caller_key("", "203.0.113.7"), "ip:203.0.113.7");
}

TEST(CallerKey, CountsAnIpv6ClientByItsSlash64) {
  EXPECT_EQ(caller_key("", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "ip:2001:db8:1:2::/64");
  EXPECT_EQ(caller_key("", "2001:db8:1:2::1"), caller_key("", "2001:db8:1:2:ffff::9"));
  EXPECT_NE(caller_key("", "2001:db8:1:2::1"), caller_key("", "2001:db8:1:3::1"));
  EXPECT_EQ(caller_key("", "::ffff:198.51.100.4"), "ip:198.51.100.4") << "IPv4-mapped";
  EXPECT_EQ(caller_key("", "not-an-address"), "ip:not-an-address");
}

TEST(FailModeNames, RoundTrip) {
  for (const FailMode mode : {FailMode::kOpen, FailMode::kClosed, FailMode::kLocal})
    EXPECT_EQ(parse_fail_mode(to_string(mode)), mode);
  EXPECT_EQ(parse_fail_mode("maybe"), std::nullopt);
  EXPECT_EQ(to_string(Source::kFailClosed), "closed");
}

TEST(MakeRedisLimiter, RefusesABadUrlOrOption) {
  auto bad_url = make_redis_limiter({.url = "http://127.0.0.1:6379"}, nullptr, nullptr);
  ASSERT_FALSE(bad_url.has_value());
  EXPECT_EQ(bad_url.error().code(), core::ErrorCode::kInvalidArgument);

  RedisLimiterOptions options;
  options.timeout = std::chrono::milliseconds(0);
  options.replicas = 0;
  auto bad_options = make_redis_limiter(options, nullptr, nullptr);
  ASSERT_FALSE(bad_options.has_value());
  EXPECT_EQ(bad_options.error().field_errors().size(), 2u);
}

}  // namespace
}  // namespace platform::ratelimit
