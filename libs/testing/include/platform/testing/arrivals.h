// Counts arrivals at a point in code under test (a handler starting, a callback running)
// so that a test waits for "the handler is running now" instead of sleeping and hoping.
// Unlike std::latch it needs no count up front and a wait can time out.
//
//   Arrivals started;
//   router.get("/slow", [&](Request&) { started.arrive(); ...; });
//   connection.send(format_request("GET", "/slow"));
//   ASSERT_TRUE(started.wait_for(1, std::chrono::seconds(5)));
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace platform::testing {

class Arrivals {
 public:
  void arrive() {
    {
      std::lock_guard lock(mutex_);
      ++count_;
    }
    arrived_.notify_all();
  }

  // Whether at least `count` arrivals happened within `timeout`.
  bool wait_for(int count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return count_ >= count; });
  }

  int count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  int count_ = 0;
};

}  // namespace platform::testing
