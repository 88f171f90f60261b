#include "platform/ratelimit/redis_limiter.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/core/url.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"
#include "platform/ratelimit/headers.h"
#include "platform/testing/ports.h"
#include "platform/testing/redis.h"

namespace platform::ratelimit {
namespace {

using namespace std::chrono_literals;
using platform::testing::redis_server_url;
using platform::testing::RedisServer;
using platform::testing::unique_name;

// A policy that does not refill during a test: exact counts.
const Policy kTen{.name = "ten", .rate_per_second = 0.001, .burst = 10};

// Options for tests: generous timeouts, so that a busy machine does not look like an outage.
RedisLimiterOptions options_for(std::string url, FailMode mode = FailMode::kLocal) {
  RedisLimiterOptions options;
  options.url = std::move(url);
  options.key_prefix = unique_name("ratelimit") + ":";
  options.fail_mode = mode;
  options.timeout = 2s;
  options.connect_timeout = 2s;
  options.reconnect_interval = 100ms;
  return options;
}

// One gateway replica: its limiter, registry and captured log.
class Replica {
 public:
  explicit Replica(const RedisLimiterOptions& options) {
    auto made = make_redis_limiter(options, &registry_, &log_);
    if (!made) {
      ADD_FAILURE() << made.error().log_detail();
      return;
    }
    limiter_ = std::move(*made);
  }

  Limiter& limiter() { return *limiter_; }
  Decision decide(const Policy& policy, std::string_view key) {
    return decide_blocking(*limiter_, policy, key);
  }
  double up() { return registry_.gauge("ratelimit_backend_up", "").value(); }
  double failures() { return registry_.counter("ratelimit_backend_failures_total", "").value(); }
  double decisions(const std::string& policy, const std::string& outcome) {
    return registry_
        .counter("ratelimit_decisions_total", "", {{"policy", policy}, {"outcome", outcome}})
        .value();
  }
  // Waits until the backend is up (true) or down (false).
  bool wait_until_up(bool up, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while ((this->up() == 1) != up) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }
  // Log lines containing `text`.
  int lines_with(std::string_view text) {
    log_.flush();
    std::lock_guard lock(lines_mutex_);
    int count = 0;
    for (const auto& line : lines_)
      if (line.find(text) != std::string::npos) ++count;
    return count;
  }
  void reset() { limiter_.reset(); }

 private:
  metrics::Registry registry_;
  std::mutex lines_mutex_;
  std::vector<std::string> lines_;
  logging::Logger log_{"gateway", "gateway-test", logging::Level::kDebug,
                       [this](std::string_view line) {
                         std::lock_guard lock(lines_mutex_);
                         lines_.emplace_back(line);
                       }};
  std::unique_ptr<Limiter> limiter_;
};

// A plain connection for looking at Redis and disturbing it.
class RawRedis {
 public:
  explicit RawRedis(const std::string& url) {
    auto parsed = core::parse_url(url);
    if (parsed) context_ = redisConnect(parsed->host.c_str(), parsed->port);
    if (!context_ || context_->err) ADD_FAILURE() << "cannot connect to " << url;
  }
  ~RawRedis() {
    if (context_) redisFree(context_);
  }
  // The reply as text: an integer, a string or an error message.
  std::string command(const std::vector<std::string>& arguments) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& argument : arguments) {
      argv.push_back(argument.data());
      lengths.push_back(argument.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (!reply) return "(no reply)";
    std::string text = reply->type == REDIS_REPLY_INTEGER ? std::to_string(reply->integer)
                       : reply->str                       ? std::string(reply->str, reply->len)
                                                          : "(nil)";
    freeReplyObject(reply);
    return text;
  }

 private:
  redisContext* context_ = nullptr;
};

// Counts callbacks until all have come.
class Answers {
 public:
  explicit Answers(int expected) : left_(expected) {}
  std::function<void(Decision)> callback() {
    return [this](Decision decision) {
      std::lock_guard lock(mutex_);
      decisions_.push_back(decision);
      if (--left_ == 0) all_.notify_all();
    };
  }
  bool wait(std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(mutex_);
    return all_.wait_for(lock, timeout, [&] { return left_ <= 0; });
  }
  int allowed() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(
        std::count_if(decisions_.begin(), decisions_.end(), [](auto& d) { return d.allowed; }));
  }
  int with_source(Source source) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(decisions_.begin(), decisions_.end(),
                                          [&](auto& d) { return d.source == source; }));
  }
  int answered() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(decisions_.size());
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_;
  int left_;
  std::vector<Decision> decisions_;
};

// --- sharing ----------------------------------------------------------------------------

TEST(RedisLimiter, TwoReplicasEnforceOneCombinedBudget) {
  const auto options = options_for(redis_server_url());
  Replica one(options);
  Replica two(options);
  int allowed = 0;
  for (int i = 0; i < 30; ++i) {
    Replica& replica = i % 2 == 0 ? one : two;
    const Decision decision = replica.decide(kTen, "user:ana");
    EXPECT_EQ(decision.source, Source::kRedis);
    EXPECT_FALSE(decision.backend_failed);
    EXPECT_EQ(decision.limit, 10u);
    if (decision.allowed) {
      EXPECT_EQ(decision.remaining, static_cast<std::uint32_t>(9 - allowed))
          << "the count goes on across replicas";
      ++allowed;
    } else {
      EXPECT_EQ(decision.remaining, 0u);
      EXPECT_GT(decision.retry_after, 0ms);
      EXPECT_EQ(decision.reset, decision.retry_after);
    }
  }
  EXPECT_EQ(allowed, 10);
  EXPECT_TRUE(one.decide(kTen, "user:bob").allowed) << "another caller, another bucket";
  EXPECT_EQ(one.decisions("ten", "allowed") + two.decisions("ten", "allowed"), 11);
  EXPECT_EQ(one.decisions("ten", "denied") + two.decisions("ten", "denied"), 20);
  EXPECT_EQ(one.failures(), 0);
  EXPECT_EQ(one.up(), 1);
}

TEST(RedisLimiter, ConcurrentDecisionsFromManyThreadsNeverExceedTheBurst) {
  const auto options = options_for(redis_server_url());
  Replica one(options);
  Replica two(options);
  const Policy policy{.name = "hot", .rate_per_second = 0.001, .burst = 150};
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  Answers answers(2 * kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreads; ++t) {
    threads.emplace_back([&, t] {
      Replica& replica = t % 2 == 0 ? one : two;
      for (int i = 0; i < kPerThread; ++i)
        replica.limiter().decide(policy, "ip:198.51.100.4", answers.callback());
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(answers.wait());
  EXPECT_EQ(answers.with_source(Source::kRedis), 2 * kThreads * kPerThread);
  EXPECT_EQ(answers.allowed(), 150);
}

TEST(RedisLimiter, RefillsByTheRedisServersClock) {
  Replica replica(options_for(redis_server_url()));
  const Policy policy{.name = "quick", .rate_per_second = 20, .burst = 2};  // one per 50 ms
  ASSERT_TRUE(replica.decide(policy, "user:ana").allowed);
  ASSERT_TRUE(replica.decide(policy, "user:ana").allowed);
  const Decision denied = replica.decide(policy, "user:ana");
  ASSERT_FALSE(denied.allowed);
  EXPECT_GT(denied.retry_after, 0ms);
  EXPECT_LE(denied.retry_after, 50ms);
  std::this_thread::sleep_for(denied.retry_after + 5ms);
  const Decision again = replica.decide(policy, "user:ana");
  EXPECT_TRUE(again.allowed);
  EXPECT_EQ(again.source, Source::kRedis);
}

TEST(RedisLimiter, KeepsEachBucketUnderThePrefixUntilItIsFull) {
  const auto options = options_for(redis_server_url());
  Replica replica(options);
  const Policy policy{.name = "minute", .rate_per_second = 1, .burst = 60};
  const Decision decision = replica.decide(policy, "user:ana");
  ASSERT_TRUE(decision.allowed);
  EXPECT_EQ(decision.reset, 1000ms);
  RawRedis redis(options.url);
  const std::string key = options.key_prefix + "minute:user:ana";
  const int ttl = std::stoi(redis.command({"PTTL", key}));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 1000) << "the key expires when the bucket is full again";
}

TEST(RedisLimiter, LoadsTheScriptIntoAFreshRedis) {
  RedisServer server;
  Replica replica(options_for(server.url()));
  RawRedis redis(server.url());
  EXPECT_EQ(redis.command({"SCRIPT", "FLUSH"}), "OK");
  const Decision decision = replica.decide(kTen, "user:ana");
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.source, Source::kRedis) << "NOSCRIPT, then EVAL";
  EXPECT_EQ(replica.decide(kTen, "user:ana").remaining, 8u);
  EXPECT_EQ(replica.failures(), 0);
}

// --- outages ----------------------------------------------------------------------------

TEST(RedisLimiterOutage, FailOpenAllowsEverythingThenSharesAgainWhenRedisIsBack) {
  RedisServer server;
  Replica replica(options_for(server.url(), FailMode::kOpen));
  const Policy one{.name = "one", .rate_per_second = 0.001, .burst = 1};
  ASSERT_TRUE(replica.decide(one, "user:ana").allowed);
  ASSERT_FALSE(replica.decide(one, "user:ana").allowed);

  server.stop();
  for (int i = 0; i < 20; ++i) {
    const Decision decision = replica.decide(one, "user:ana");
    EXPECT_TRUE(decision.allowed);
    EXPECT_TRUE(decision.backend_failed);
    EXPECT_EQ(decision.source, Source::kFailOpen);
  }
  EXPECT_EQ(replica.up(), 0);
  EXPECT_EQ(replica.failures(), 20);
  EXPECT_EQ(replica.lines_with("rate limiter backend unavailable"), 1) << "once, not per request";
  EXPECT_EQ(replica.lines_with(R"("fail_mode":"open")"), 2) << "connected, then unavailable";

  server.start();  // empty: the buckets are gone
  ASSERT_TRUE(replica.wait_until_up(true));
  const Decision shared = replica.decide(one, "user:ana");
  EXPECT_TRUE(shared.allowed);
  EXPECT_FALSE(shared.backend_failed);
  EXPECT_EQ(shared.source, Source::kRedis);
  EXPECT_FALSE(replica.decide(one, "user:ana").allowed);
  EXPECT_EQ(replica.lines_with("rate limiter backend available again"), 1);
  EXPECT_EQ(replica.lines_with("rate limiter backend unavailable"), 1);
}

TEST(RedisLimiterOutage, FailClosedDeniesAsUnavailable) {
  RedisServer server;
  Replica replica(options_for(server.url(), FailMode::kClosed));
  server.stop();
  for (int i = 0; i < 5; ++i) {
    const Decision decision = replica.decide(kTen, "user:ana");
    EXPECT_FALSE(decision.allowed);
    EXPECT_TRUE(decision.backend_failed);
    EXPECT_EQ(decision.source, Source::kFailClosed);
    EXPECT_GE(decision.retry_after, 1s);
    EXPECT_EQ(denial_error(decision).code(), core::ErrorCode::kUnavailable);
  }
  EXPECT_EQ(replica.failures(), 5);
  EXPECT_EQ(replica.decisions("ten", "denied"), 5);
  EXPECT_EQ(replica.lines_with("rate limiter backend unavailable"), 1);

  server.start();
  ASSERT_TRUE(replica.wait_until_up(true));
  EXPECT_TRUE(replica.decide(kTen, "user:ana").allowed);
}

TEST(RedisLimiterOutage, FailLocalEnforcesEachReplicasShareInMemory) {
  RedisServer server;
  auto options = options_for(server.url(), FailMode::kLocal);
  options.replicas = 2;
  Replica one(options);
  Replica two(options);
  ASSERT_EQ(one.decide(kTen, "user:ana").source, Source::kRedis);

  server.stop();
  for (Replica* replica : {&one, &two}) {
    int allowed = 0;
    for (int i = 0; i < 12; ++i) {
      const Decision decision = replica->decide(kTen, "user:ana");
      EXPECT_TRUE(decision.backend_failed);
      EXPECT_EQ(decision.source, Source::kLocal);
      if (decision.allowed) ++allowed;
    }
    EXPECT_EQ(allowed, 5) << "burst 10 over 2 replicas";
    EXPECT_EQ(replica->lines_with("rate limiter backend unavailable"), 1);
  }

  server.start();
  ASSERT_TRUE(one.wait_until_up(true));
  ASSERT_TRUE(two.wait_until_up(true));
  int allowed = 0;
  for (int i = 0; i < 30; ++i) {
    const Decision decision = (i % 2 == 0 ? one : two).decide(kTen, "user:ana");
    EXPECT_EQ(decision.source, Source::kRedis);
    if (decision.allowed) ++allowed;
  }
  EXPECT_EQ(allowed, 10) << "one shared budget again";
}

TEST(RedisLimiterOutage, StartsInTheFailModeWhenRedisIsUnreachableAndConnectsLater) {
  RedisServer server;
  const auto options = options_for(server.url(), FailMode::kClosed);
  server.stop();
  Replica replica(options);
  EXPECT_EQ(replica.up(), 0);
  bool inline_answer = false;
  replica.limiter().decide(kTen, "user:ana", [&](Decision decision) {
    inline_answer = true;
    EXPECT_EQ(decision.source, Source::kFailClosed);
  });
  EXPECT_TRUE(inline_answer) << "while down, the fail mode answers at once";
  EXPECT_EQ(replica.lines_with("rate limiter backend unavailable"), 1);

  server.start();
  ASSERT_TRUE(replica.wait_until_up(true));
  EXPECT_EQ(replica.decide(kTen, "user:ana").source, Source::kRedis);
  EXPECT_EQ(replica.lines_with("rate limiter backend available again"), 1);
}

TEST(RedisLimiterOutage, ARedisThatStopsAnsweringGivesTheFailModeAfterTheTimeout) {
  RedisServer server;
  auto options = options_for(server.url(), FailMode::kOpen);
  options.timeout = 100ms;
  Replica replica(options);
  ASSERT_EQ(replica.decide(kTen, "user:ana").source, Source::kRedis);

  RawRedis redis(server.url());
  ASSERT_EQ(redis.command({"CLIENT", "PAUSE", "1500", "ALL"}), "OK");
  const auto start = std::chrono::steady_clock::now();
  const Decision decision = replica.decide(kTen, "user:ana");
  EXPECT_EQ(decision.source, Source::kFailOpen);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms) << "not the whole pause";
  EXPECT_EQ(replica.up(), 0);

  ASSERT_TRUE(replica.wait_until_up(true)) << "back once the pause ends";
  EXPECT_EQ(replica.decide(kTen, "user:ana").source, Source::kRedis);
  EXPECT_EQ(replica.lines_with("rate limiter backend unavailable"), 1);
  EXPECT_EQ(replica.lines_with("rate limiter backend available again"), 1);
}

TEST(RedisLimiterOutage, AServerThatAcceptsButNeverAnswersIsNotUp) {
  testing::SilentServer silent;
  auto options = options_for(silent.url(), FailMode::kLocal);
  options.timeout = 50ms;
  Replica replica(options);
  EXPECT_EQ(replica.up(), 0);
  const Decision decision = replica.decide(kTen, "user:ana");
  EXPECT_EQ(decision.source, Source::kLocal);
  EXPECT_TRUE(decision.allowed);
}

TEST(RedisLimiterOutage, AnswersEveryRequestOnceEvenWhenDestroyedWithSomeQueued) {
  RedisServer server;
  auto options = options_for(server.url(), FailMode::kClosed);
  options.timeout = 200ms;
  auto replica = std::make_unique<Replica>(options);
  ASSERT_EQ(replica->up(), 1);
  RawRedis redis(server.url());
  ASSERT_EQ(redis.command({"CLIENT", "PAUSE", "1000", "ALL"}), "OK");
  Answers answers(100);
  for (int i = 0; i < 100; ++i) replica->limiter().decide(kTen, "user:ana", answers.callback());
  replica->reset();
  EXPECT_EQ(answers.answered(), 100);
  EXPECT_TRUE(answers.wait(0ms));
}

}  // namespace
}  // namespace platform::ratelimit
