#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "../src/memory_buckets.h"
#include "platform/metrics/registry.h"
#include "platform/ratelimit/limiter.h"
#include "platform/testing/manual_clock.h"

namespace platform::ratelimit {
namespace {

using namespace std::chrono_literals;

const Policy kDefault{};  // 50 per second, burst 100: one request every 20 ms

class MemoryLimiterTest : public ::testing::Test {
 protected:
  Decision decide(const Policy& policy, std::string_view key) {
    std::optional<Decision> answer;
    limiter_->decide(policy, key, [&](Decision decision) { answer = decision; });
    EXPECT_TRUE(answer.has_value()) << "the memory limiter answers inline";
    return answer.value_or(Decision{});
  }

  platform::testing::ManualClock clock_;
  metrics::Registry registry_;
  std::unique_ptr<Limiter> limiter_ = make_memory_limiter({.clock = clock_.function()}, &registry_);
};

TEST_F(MemoryLimiterTest, AllowsTheBurstAtOnceThenDenies) {
  for (std::uint32_t i = 0; i < 100; ++i) {
    const Decision decision = decide(kDefault, "user:ana");
    ASSERT_TRUE(decision.allowed) << "request " << i;
    EXPECT_EQ(decision.limit, 100u);
    EXPECT_EQ(decision.remaining, 99 - i);
    EXPECT_EQ(decision.reset, 20ms * (i + 1)) << "until the bucket is full again";
    EXPECT_EQ(decision.retry_after, 0ms);
    EXPECT_FALSE(decision.backend_failed);
    EXPECT_EQ(decision.source, Source::kMemory);
  }
  const Decision denied = decide(kDefault, "user:ana");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.remaining, 0u);
  EXPECT_EQ(denied.retry_after, 20ms) << "one emission interval until the next request";
  EXPECT_EQ(denied.reset, denied.retry_after);
}

TEST_F(MemoryLimiterTest, RefillsOneRequestPerEmissionInterval) {
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(decide(kDefault, "user:ana").allowed);
  clock_.advance(19ms);
  const Decision early = decide(kDefault, "user:ana");
  EXPECT_FALSE(early.allowed);
  EXPECT_EQ(early.retry_after, 1ms);
  clock_.advance(1ms);
  const Decision refilled = decide(kDefault, "user:ana");
  EXPECT_TRUE(refilled.allowed);
  EXPECT_EQ(refilled.remaining, 0u);
  EXPECT_FALSE(decide(kDefault, "user:ana").allowed) << "one interval gave one request";

  clock_.advance(200ms);  // ten intervals: ten requests
  int allowed = 0;
  while (decide(kDefault, "user:ana").allowed) ++allowed;
  EXPECT_EQ(allowed, 10);

  clock_.advance(10s);  // much longer than a refill: full again, not more
  allowed = 0;
  while (decide(kDefault, "user:ana").allowed) ++allowed;
  EXPECT_EQ(allowed, 100);
}

TEST_F(MemoryLimiterTest, KeepsTheSustainedRateUnderSteadyLoad) {
  // 100 requests a second for 10 s against 50/s: the burst, then 50 a second.
  int allowed = 0;
  for (int i = 0; i < 1000; ++i) {
    if (decide(kDefault, "ip:203.0.113.7").allowed) ++allowed;
    clock_.advance(10ms);
  }
  EXPECT_EQ(allowed, 100 + 9990 / 20);  // the burst, then one per 20 ms of the 9.99 s
}

TEST_F(MemoryLimiterTest, SeparatesCallersAndPolicies) {
  const Policy login{.name = "login", .rate_per_second = 1, .burst = 2};
  EXPECT_TRUE(decide(login, "user:ana").allowed);
  EXPECT_TRUE(decide(login, "user:ana").allowed);
  EXPECT_FALSE(decide(login, "user:ana").allowed);

  EXPECT_TRUE(decide(login, "user:bob").allowed) << "another caller has its own bucket";
  EXPECT_EQ(decide(kDefault, "user:ana").remaining, 99u) << "another policy too";
}

TEST_F(MemoryLimiterTest, CountsDecisionsByPolicyAndOutcome) {
  const Policy tiny{.name = "tiny", .rate_per_second = 1, .burst = 1};
  decide(tiny, "a");
  decide(tiny, "a");
  decide(tiny, "a");
  EXPECT_EQ(
      registry_
          .counter("ratelimit_decisions_total", "", {{"policy", "tiny"}, {"outcome", "allowed"}})
          .value(),
      1);
  EXPECT_EQ(
      registry_
          .counter("ratelimit_decisions_total", "", {{"policy", "tiny"}, {"outcome", "denied"}})
          .value(),
      2);
}

TEST_F(MemoryLimiterTest, DecideBlockingReturnsTheDecision) {
  EXPECT_TRUE(decide_blocking(*limiter_, kDefault, "user:ana").allowed);
}

TEST_F(MemoryLimiterTest, NeverAllowsMoreThanTheBurstUnderConcurrency) {
  const Policy slow{.name = "slow", .rate_per_second = 0.001, .burst = 250};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        limiter_->decide(slow, "user:ana", [&](Decision decision) {
          if (decision.allowed) ++allowed;
        });
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 250);
}

TEST(MemoryBuckets, ForgetsFullBucketsWhenSweeping) {
  platform::testing::ManualClock clock;
  internal::MemoryBuckets buckets({.shards = 1, .sweep_interval = 1s, .clock = clock.function()},
                                  nullptr);  // a sweep is per shard: one shard sees it all
  for (int i = 0; i < 50; ++i) buckets.take(kDefault, "ip:" + std::to_string(i), Source::kMemory);
  EXPECT_EQ(buckets.size(), 50u);
  clock.advance(1s);  // each took 20 ms of a bucket: all full again, and the sweep is due
  buckets.take(kDefault, "ip:new", Source::kMemory);
  EXPECT_EQ(buckets.size(), 1u);
}

TEST(MemoryBuckets, CapsTheKeysEvictingTheBucketsNearestToFull) {
  platform::testing::ManualClock clock;
  metrics::Counter evictions;
  internal::MemoryBuckets buckets({.max_keys = 100, .shards = 1, .clock = clock.function()},
                                  &evictions);
  const Policy login{.name = "login", .rate_per_second = 0.01, .burst = 3};
  for (int i = 0; i < 3; ++i) buckets.take(login, "user:heavy", Source::kMemory);  // empty now
  for (int i = 0; i < 1000; ++i) {
    buckets.take(login, "user:" + std::to_string(i), Source::kMemory);
    ASSERT_LE(buckets.size(), 100u);
  }
  EXPECT_GT(evictions.value(), 800);
  EXPECT_FALSE(buckets.take(login, "user:heavy", Source::kMemory).allowed)
      << "the emptiest bucket is the last to go";
}

}  // namespace
}  // namespace platform::ratelimit
