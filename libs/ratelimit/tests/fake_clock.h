// A clock the test moves by hand.
#pragma once

#include <chrono>
#include <memory>

#include "platform/ratelimit/limiter.h"

namespace platform::ratelimit::test {

class FakeClock {
 public:
  FakeClock()
      : now_(std::make_shared<Clock::time_point>(Clock::time_point(std::chrono::hours(1)))) {}
  ClockFunction function() const {
    return [now = now_] { return *now; };
  }
  void advance(std::chrono::microseconds by) { *now_ += by; }

 private:
  std::shared_ptr<Clock::time_point> now_;
};

}  // namespace platform::ratelimit::test
