// When to try a failed call again, and how often retrying is allowed at all.
//
//   Backoff backoff({.base = 25ms, .cap = 1s});
//   auto delay = backoff.delay(attempt);        // full jitter: uniform in [0, base·2^attempt]
//
//   RetryBudget budget({.ratio = 0.2, .min_per_second = 5});
//   budget.on_call();                           // every first attempt
//   if (budget.try_withdraw()) retry();         // else: the failure stands
//
// Full jitter (a uniformly random delay up to the exponential bound) spreads the retries
// of many callers that failed at once, instead of sending them back in waves. The retry
// budget keeps an outage from multiplying the load on a peer: over a sliding window,
// retries may be at most `ratio` of the calls, plus a small allowance per second so that
// a quiet caller can still retry now and then.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

#include "platform/resilience/circuit_breaker.h"

namespace platform::resilience {

struct BackoffOptions {
  std::chrono::milliseconds base{25};
  std::chrono::milliseconds cap{1000};
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {});
  // The pause before retry number `retry` (0 for the first retry).
  std::chrono::milliseconds delay(int retry);
  // The bound that delay(retry) draws below: min(cap, base · 2^retry).
  std::chrono::milliseconds ceiling(int retry) const;

 private:
  BackoffOptions options_;
  std::mutex mutex_;
  std::minstd_rand random_;
};

struct RetryBudgetOptions {
  double ratio = 0.2;           // retries per call, over the window
  double min_per_second = 5.0;  // retries always allowed, whatever the traffic
  std::chrono::seconds window{10};
};

class RetryBudget {
 public:
  explicit RetryBudget(RetryBudgetOptions options = {}, ClockFunction clock = Clock::now);
  void on_call();       // a first attempt was made
  bool try_withdraw();  // a retry may be made (and is counted) or not

 private:
  struct Bucket {
    std::int64_t second = -1;
    std::uint32_t calls = 0;
    std::uint32_t retries = 0;
  };
  Bucket& bucket(std::int64_t second);

  RetryBudgetOptions options_;
  ClockFunction clock_;
  std::mutex mutex_;
  std::vector<Bucket> buckets_;
};

}  // namespace platform::resilience
