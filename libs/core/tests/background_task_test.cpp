#include "platform/core/background_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace platform::core {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(BackgroundTask, RepeatsItsStepAfterThePauseItAsksFor) {
  std::atomic<int> steps{0};
  std::latch three_steps(3);
  BackgroundTask task("counter", [&](BackgroundTask&) -> Pause {
    if (++steps <= 3) three_steps.count_down();
    return 1ms;
  });
  task.start();
  three_steps.wait();
  task.stop();
  EXPECT_GE(steps.load(), 3);
}

TEST(BackgroundTask, WakeEndsAPauseAndStopEndsItWithoutWaitingItOut) {
  std::atomic<int> steps{0};
  std::latch first(1);
  std::latch second(1);
  BackgroundTask task("sleeper", [&](BackgroundTask&) -> Pause {
    const int n = ++steps;
    if (n == 1) first.count_down();
    if (n == 2) second.count_down();
    return std::chrono::hours(1);
  });
  task.start();
  first.wait();
  task.wake();
  second.wait();
  const auto before = Clock::now();
  task.stop();
  EXPECT_LT(Clock::now() - before, 5s);
  EXPECT_EQ(steps.load(), 2);
}

TEST(BackgroundTask, AnUnwakeablePauseIgnoresWake) {
  std::atomic<int> steps{0};
  std::latch first(1);
  BackgroundTask task("backoff", [&](BackgroundTask&) -> Pause {
    if (++steps == 1) first.count_down();
    return Pause::ignoring_wake(std::chrono::hours(1));
  });
  task.start();
  first.wait();
  for (int i = 0; i < 10; ++i) task.wake();
  // The step does not run again while the pause lasts; stop() still ends it.
  task.stop();
  EXPECT_EQ(steps.load(), 1);
}

TEST(BackgroundTask, SleepInsideAStepReturnsFalseAsSoonAsStopIsCalled) {
  std::latch sleeping(1);
  std::atomic<bool> slept_whole{true};
  BackgroundTask task("retrying", [&](BackgroundTask& self) -> Pause {
    sleeping.count_down();
    slept_whole = self.sleep(std::chrono::hours(1));
    return 0ms;
  });
  task.start();
  sleeping.wait();
  task.stop();
  EXPECT_FALSE(slept_whole.load());
}

TEST(BackgroundTask, StopCallsInterruptSoThatABlockedStepReturns) {
  std::mutex mutex;
  std::condition_variable released;
  bool interrupted = false;
  std::latch blocked(1);
  BackgroundTask::Options options;
  options.interrupt = [&] {
    std::lock_guard lock(mutex);
    interrupted = true;
    released.notify_all();
  };
  BackgroundTask task(
      "long-poll",
      [&](BackgroundTask&) -> Pause {
        blocked.count_down();
        std::unique_lock lock(mutex);
        released.wait(lock, [&] { return interrupted; });  // a blocking call, in effect
        return 0ms;
      },
      options);
  task.start();
  blocked.wait();
  task.stop();
  EXPECT_TRUE(interrupted);
}

TEST(BackgroundTask, AnExceptionInAStepIsReportedAndTheTaskGoesOn) {
  std::atomic<int> steps{0};
  std::latch recovered(1);
  std::string reported;
  BackgroundTask::Options options;
  options.pause_after_exception = 1ms;
  options.on_exception = [&](std::string_view name, std::string_view what) {
    reported = std::string(name) + ": " + std::string(what);
  };
  BackgroundTask task(
      "flaky",
      [&](BackgroundTask&) -> Pause {
        if (++steps == 1) throw std::runtime_error("boom");
        if (steps == 2) recovered.count_down();
        return std::chrono::hours(1);
      },
      options);
  task.start();
  recovered.wait();
  task.stop();
  EXPECT_EQ(reported, "flaky: boom");
}

TEST(BackgroundTask, CanBeStartedAgainAfterStop) {
  std::atomic<int> steps{0};
  BackgroundTask task("restartable", [&](BackgroundTask&) -> Pause {
    ++steps;
    return std::chrono::hours(1);
  });
  for (int round = 1; round <= 2; ++round) {
    task.start();
    while (steps.load() < round) std::this_thread::yield();
    task.stop();
    EXPECT_FALSE(task.running());
  }
  EXPECT_EQ(steps.load(), 2);
}

}  // namespace
}  // namespace platform::core
