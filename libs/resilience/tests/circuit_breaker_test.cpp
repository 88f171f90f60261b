#include "platform/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "platform/testing/manual_clock.h"

namespace platform::resilience {
namespace {

using namespace std::chrono_literals;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker make(BreakerOptions options = {.failure_rate = 0.5,
                                                .minimum_calls = 10,
                                                .window = 10s,
                                                .open_duration = 5s,
                                                .half_open_probes = 3}) {
    return CircuitBreaker(
        options,
        [this](BreakerState from, BreakerState to) { transitions_.emplace_back(from, to); },
        clock_.function());
  }
  static void call(CircuitBreaker& breaker, CallResult result) {
    auto permit = breaker.try_acquire();
    ASSERT_TRUE(permit);
    breaker.record(*permit, result);
  }

  platform::testing::ManualClock clock_;
  std::vector<std::pair<BreakerState, BreakerState>> transitions_;
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheMinimumNumberOfCalls) {
  auto breaker = make();
  for (int i = 0; i < 9; ++i) call(breaker, CallResult::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(transitions_.empty());
}

TEST_F(CircuitBreakerTest, OpensWhenTheFailureRateReachesTheThreshold) {
  auto breaker = make();
  for (int i = 0; i < 5; ++i) call(breaker, CallResult::kSuccess);
  for (int i = 0; i < 4; ++i) call(breaker, CallResult::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);  // 4 of 9
  call(breaker, CallResult::kFailure);                // 5 of 10
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_FALSE(breaker.try_acquire());
  EXPECT_GT(breaker.retry_after(), 4900ms);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0], std::pair(BreakerState::kClosed, BreakerState::kOpen));
}

TEST_F(CircuitBreakerTest, ClientErrorsAndIgnoredCallsDoNotCountAsFailures) {
  auto breaker = make();
  for (int i = 0; i < 20; ++i) call(breaker, CallResult::kSuccess);  // 4xx answers are successes
  for (int i = 0; i < 20; ++i) call(breaker, CallResult::kIgnored);
  for (int i = 0; i < 19; ++i) call(breaker, CallResult::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);  // 19 of 39
}

TEST_F(CircuitBreakerTest, OldCallsLeaveTheSlidingWindow) {
  auto breaker = make();
  for (int i = 0; i < 9; ++i) call(breaker, CallResult::kFailure);
  clock_.advance(11s);  // those nine are out of the window
  for (int i = 0; i < 5; ++i) call(breaker, CallResult::kSuccess);
  for (int i = 0; i < 4; ++i) call(breaker, CallResult::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, HalfOpenLetsALimitedNumberOfProbesThrough) {
  auto breaker = make();
  for (int i = 0; i < 10; ++i) call(breaker, CallResult::kFailure);
  clock_.advance(5s);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  auto first = breaker.try_acquire();
  auto second = breaker.try_acquire();
  auto third = breaker.try_acquire();
  ASSERT_TRUE(first && second && third);
  EXPECT_TRUE(first->probe);
  EXPECT_FALSE(breaker.try_acquire());  // the fourth waits for the probes' answers
  breaker.record(*first, CallResult::kSuccess);
  EXPECT_FALSE(breaker.try_acquire());  // a success frees no new probe
  breaker.record(*second, CallResult::kSuccess);
  breaker.record(*third, CallResult::kSuccess);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(breaker.try_acquire());
  ASSERT_EQ(transitions_.size(), 3u);
  EXPECT_EQ(transitions_[1], std::pair(BreakerState::kOpen, BreakerState::kHalfOpen));
  EXPECT_EQ(transitions_[2], std::pair(BreakerState::kHalfOpen, BreakerState::kClosed));
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensItAgainForAnotherPeriod) {
  auto breaker = make();
  for (int i = 0; i < 10; ++i) call(breaker, CallResult::kFailure);
  clock_.advance(5s);
  auto probe = breaker.try_acquire();
  ASSERT_TRUE(probe);
  breaker.record(*probe, CallResult::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_FALSE(breaker.try_acquire());
  clock_.advance(4s);
  EXPECT_FALSE(breaker.try_acquire());
  clock_.advance(1s);
  EXPECT_TRUE(breaker.try_acquire());
}

TEST_F(CircuitBreakerTest, AnIgnoredProbeGivesItsPlaceBack) {
  auto breaker = make({.minimum_calls = 1, .open_duration = 1s, .half_open_probes = 1});
  call(breaker, CallResult::kFailure);
  clock_.advance(1s);
  auto probe = breaker.try_acquire();
  ASSERT_TRUE(probe);
  EXPECT_FALSE(breaker.try_acquire());
  breaker.record(*probe, CallResult::kIgnored);
  EXPECT_TRUE(breaker.try_acquire());
}

TEST_F(CircuitBreakerTest, ClosingStartsAFreshWindow) {
  auto breaker = make({.minimum_calls = 4, .open_duration = 1s, .half_open_probes = 1});
  for (int i = 0; i < 4; ++i) call(breaker, CallResult::kFailure);
  clock_.advance(1s);
  call(breaker, CallResult::kSuccess);  // the probe closes it
  ASSERT_EQ(breaker.state(), BreakerState::kClosed);
  call(breaker, CallResult::kFailure);  // one failure alone does not reopen it
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(BreakerStateNames, AreStable) {
  EXPECT_EQ(to_string(BreakerState::kClosed), "closed");
  EXPECT_EQ(to_string(BreakerState::kOpen), "open");
  EXPECT_EQ(to_string(BreakerState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace platform::resilience
