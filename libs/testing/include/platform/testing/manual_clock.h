// A steady clock a test moves by hand, for code that takes its clock as a function
// (circuit breakers, retry budgets, rate limiters).
//
//   ManualClock clock;
//   CircuitBreaker breaker(options, on_change, clock.function());
//   clock.advance(std::chrono::seconds(5));   // the breaker sees five seconds pass
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace platform::testing {

class ManualClock {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts an hour after the clock's epoch, so that "a while ago" exists.
  ManualClock()
      : now_(std::make_shared<Clock::time_point>(Clock::time_point(std::chrono::hours(1)))) {}
  // Reads this clock; copies share it, and outlive the ManualClock safely.
  std::function<Clock::time_point()> function() const {
    return [now = now_] { return *now; };
  }
  Clock::time_point now() const { return *now_; }
  void advance(std::chrono::nanoseconds by) { *now_ += by; }

 private:
  std::shared_ptr<Clock::time_point> now_;
};

}  // namespace platform::testing
