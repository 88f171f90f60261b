// A circuit breaker for calls to one peer service: while the peer fails, calls are
// refused at once instead of piling up behind timeouts, and a few probes find out when it
// is back.
//
//   CircuitBreaker breaker({.failure_rate = 0.5, .minimum_calls = 10}, "subject-service");
//   auto permit = breaker.try_acquire();
//   if (!permit) return refused(breaker.retry_after());   // open: answered at once
//   auto outcome = call();
//   breaker.record(*permit, failed(outcome) ? CallResult::kFailure : CallResult::kSuccess);
//
// States: closed (calls pass; outcomes are counted over a sliding window of time) → open
// when, with at least minimum_calls in the window, the failure rate reaches failure_rate;
// open (every call refused) → half-open after open_duration; half-open lets
// half_open_probes calls through at a time: that many successes close the breaker, any
// failure opens it again. Only failures that say the peer is unwell count: connection
// errors, timeouts and 5xx; a 4xx is the caller's problem and counts as a success.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace platform::resilience {

using Clock = std::chrono::steady_clock;
// Where the time comes from: steady_clock::now, or a test's hand-moved clock.
using ClockFunction = std::function<Clock::time_point()>;

enum class BreakerState { kClosed, kOpen, kHalfOpen };
std::string_view to_string(BreakerState state);  // "closed", "open", "half_open"

enum class CallResult {
  kSuccess,  // an answer, 4xx included
  kFailure,  // a connection error, a timeout, a 5xx
  kIgnored,  // neither (the call was cancelled by its caller): releases a probe only
};

struct BreakerOptions {
  double failure_rate = 0.5;  // of the calls in the window, to open
  std::size_t minimum_calls = 10;
  std::chrono::milliseconds window{10'000};
  std::chrono::milliseconds open_duration{5'000};
  std::size_t half_open_probes = 3;
};

class CircuitBreaker {
 public:
  // Called (outside the breaker's lock) on every change of state, once per change.
  using OnTransition = std::function<void(BreakerState from, BreakerState to)>;

  struct Permit {
    bool probe = false;  // granted in half-open
  };

  explicit CircuitBreaker(BreakerOptions options = {}, OnTransition on_transition = {},
                          ClockFunction clock = Clock::now);

  // A permit for one call, or nullopt when the breaker refuses it (open, or half-open
  // with its probes all out). Every permit must be given back through record().
  std::optional<Permit> try_acquire();
  void record(const Permit& permit, CallResult result);

  BreakerState state() const;
  // How long an open breaker will still refuse calls (at least 1 ms while open), zero
  // otherwise: the Retry-After of a refusal.
  std::chrono::milliseconds retry_after() const;

 private:
  struct Bucket {
    std::int64_t slot = -1;  // which window slice it counts
    std::uint32_t calls = 0;
    std::uint32_t failures = 0;
  };
  static constexpr std::size_t kBuckets = 10;

  std::int64_t slot_of(Clock::time_point now) const;
  void count(Clock::time_point now, bool failure);
  void reset_window();
  // Moves to `to` and returns the transition to report once the lock is released.
  std::optional<std::pair<BreakerState, BreakerState>> move_to(BreakerState to,
                                                               Clock::time_point now);
  void report(std::optional<std::pair<BreakerState, BreakerState>> transition) const;

  BreakerOptions options_;
  OnTransition on_transition_;
  ClockFunction clock_;
  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  Clock::time_point opened_at_{};
  std::size_t probes_out_ = 0;
  std::size_t probe_successes_ = 0;
  std::vector<Bucket> buckets_;
};

}  // namespace platform::resilience
