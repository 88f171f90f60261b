#include "platform/ratelimit/headers.h"

#include <gtest/gtest.h>

#include "platform/testing/manual_clock.h"

namespace platform::ratelimit {
namespace {

using namespace std::chrono_literals;

Decision allowed(std::uint32_t remaining, std::chrono::milliseconds reset) {
  return {.allowed = true, .limit = 100, .remaining = remaining, .reset = reset};
}

Decision denied(std::chrono::milliseconds retry_after) {
  return {.allowed = false,
          .limit = 100,
          .remaining = 0,
          .reset = retry_after,
          .retry_after = retry_after};
}

TEST(RateLimitHeaders, PolicyGivesTheBurstAndTheSecondsToRefill) {
  EXPECT_EQ(rate_limit_policy_value({}), R"("default";q=100;w=2)");
  EXPECT_EQ(rate_limit_policy_value({.name = "login", .rate_per_second = 3, .burst = 10}),
            R"("login";q=10;w=4)")
      << "3.33 s rounds up";
  EXPECT_EQ(rate_limit_policy_value({.name = "fast", .rate_per_second = 1000, .burst = 1}),
            R"("fast";q=1;w=1)")
      << "w is at least 1";
}

TEST(RateLimitHeaders, RateLimitGivesRemainingAndSecondsRoundedUp) {
  EXPECT_EQ(rate_limit_value({}, allowed(42, 1160ms)), R"("default";r=42;t=2)");
  EXPECT_EQ(rate_limit_value({}, allowed(42, 1000ms)), R"("default";r=42;t=1)");
  EXPECT_EQ(rate_limit_value({}, allowed(99, 20ms)), R"("default";r=99;t=1)");
  EXPECT_EQ(rate_limit_value({}, allowed(100, 0ms)), R"("default";r=100;t=0)");
}

TEST(RateLimitHeaders, AnAllowedRequestGetsPolicyAndRateLimit) {
  const HeaderList expected{{"RateLimit-Policy", R"("default";q=100;w=2)"},
                            {"RateLimit", R"("default";r=42;t=2)"}};
  EXPECT_EQ(rate_limit_headers({}, allowed(42, 1160ms)), expected);
}

TEST(RateLimitHeaders, ADeniedRequestGetsRetryAfterNotBeforeT) {
  const HeaderList expected{{"RateLimit-Policy", R"("default";q=100;w=2)"},
                            {"RateLimit", R"("default";r=0;t=1)"},
                            {"Retry-After", "1"}};
  EXPECT_EQ(rate_limit_headers({}, denied(20ms)), expected);
  EXPECT_EQ(rate_limit_headers({}, denied(2500ms)).back(),
            (std::pair<std::string, std::string>{"Retry-After", "3"}));
  EXPECT_EQ(retry_after_seconds(denied(0ms)), 1s) << "never 0";
}

TEST(RateLimitHeaders, TheFailModesOpenAndClosedCountedNothingSoNoRateLimit) {
  Decision open = allowed(100, 0ms);
  open.backend_failed = true;
  open.source = Source::kFailOpen;
  EXPECT_EQ(rate_limit_headers({}, open),
            (HeaderList{{"RateLimit-Policy", R"("default";q=100;w=2)"}}));

  Decision closed = denied(1000ms);
  closed.backend_failed = true;
  closed.source = Source::kFailClosed;
  EXPECT_EQ(rate_limit_headers({}, closed),
            (HeaderList{{"RateLimit-Policy", R"("default";q=100;w=2)"}, {"Retry-After", "1"}}));
}

TEST(RateLimitHeaders, DenialErrorIs429OrWhenClosed503WithRetryAfter) {
  const core::Error limited = denial_error(denied(2500ms));
  EXPECT_EQ(limited.code(), core::ErrorCode::kResourceExhausted);
  EXPECT_EQ(limited.retry_after(), 3s);

  Decision closed = denied(1000ms);
  closed.backend_failed = true;
  closed.source = Source::kFailClosed;
  const core::Error unavailable = denial_error(closed);
  EXPECT_EQ(unavailable.code(), core::ErrorCode::kUnavailable);
  EXPECT_EQ(unavailable.retry_after(), 1s);
}

TEST(RateLimitHeaders, APolicyNameIsAStructuredFieldString) {
  EXPECT_EQ(rate_limit_policy_value({.name = "a\"b\\c\n"}), R"("a\"b\\c_";q=100;w=2)");
}

TEST(RateLimitHeaders, FollowTheMemoryLimiter) {
  platform::testing::ManualClock clock;
  auto limiter = make_memory_limiter({.clock = clock.function()});
  const Policy policy;
  Decision last;
  for (int i = 0; i < 58; ++i) last = decide_blocking(*limiter, policy, "user:ana");
  EXPECT_EQ(rate_limit_value(policy, last), R"("default";r=42;t=2)");
}

}  // namespace
}  // namespace platform::ratelimit
