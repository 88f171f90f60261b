#include "platform/resilience/retry.h"

#include <gtest/gtest.h>

#include <set>

#include "platform/testing/manual_clock.h"

namespace platform::resilience {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, GrowsExponentiallyUpToTheCap) {
  Backoff backoff({.base = 25ms, .cap = 1s});
  EXPECT_EQ(backoff.ceiling(0), 25ms);
  EXPECT_EQ(backoff.ceiling(1), 50ms);
  EXPECT_EQ(backoff.ceiling(3), 200ms);
  EXPECT_EQ(backoff.ceiling(6), 1s);
  EXPECT_EQ(backoff.ceiling(40), 1s);
}

TEST(Backoff, DrawsFullJitterBelowTheCeiling) {
  Backoff backoff({.base = 100ms, .cap = 1s});
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const auto delay = backoff.delay(2);
    EXPECT_GE(delay, 0ms);
    EXPECT_LE(delay, 400ms);
    seen.insert(delay.count());
  }
  // Spread over the range, not one fixed value: callers that failed together do not
  // come back together.
  EXPECT_GT(seen.size(), 50u);
  EXPECT_LT(*seen.begin(), 100);
  EXPECT_GT(*seen.rbegin(), 300);
}

TEST(RetryBudget, AllowsTheMinimumPerSecondWithoutTraffic) {
  platform::testing::ManualClock clock;
  RetryBudget budget({.ratio = 0.2, .min_per_second = 1, .window = 10s}, clock.function());
  int allowed = 0;
  while (budget.try_withdraw() && allowed < 1000) ++allowed;
  EXPECT_EQ(allowed, 10);  // 1 per second over the 10 s window
}

TEST(RetryBudget, KeepsRetriesToARatioOfCalls) {
  platform::testing::ManualClock clock;
  RetryBudget budget({.ratio = 0.2, .min_per_second = 0.5, .window = 10s}, clock.function());
  for (int i = 0; i < 1000; ++i) budget.on_call();
  int allowed = 0;
  while (budget.try_withdraw() && allowed < 10000) ++allowed;
  EXPECT_EQ(allowed, 205);  // 20% of 1000, plus 0.5 per second over 10 s
}

TEST(RetryBudget, RefillsAsTheWindowSlides) {
  platform::testing::ManualClock clock;
  RetryBudget budget({.ratio = 0.2, .min_per_second = 1, .window = 10s}, clock.function());
  while (budget.try_withdraw()) {
  }
  EXPECT_FALSE(budget.try_withdraw());
  clock.advance(11s);
  EXPECT_TRUE(budget.try_withdraw());
}

}  // namespace
}  // namespace platform::resilience
