// One background thread that repeats a step until it is stopped: the shape of every
// looping or periodic task of the platform (the outbox relay, event consumers, the orphan
// collector, the registry sweeper, discovery and settings watches).
//
//   BackgroundTask collector("orphan-collector", [&](BackgroundTask& task) -> Pause {
//     collect();
//     return std::chrono::minutes(10);           // the pause before the next step
//   });
//   collector.start();
//   collector.wake();   // ends the current pause: the next step runs now
//   collector.stop();   // ends the pause, waits for the step in hand, joins the thread
//
// A step that blocks for long (a long poll, a Redis BLOCK) is made to return early by
// Options::interrupt, which stop() calls before joining (shut a client down, say). A
// step that waits between retries calls task.sleep(), which stop() cuts short. An
// exception escaping a step is reported through Options::on_exception and the task goes
// on after Options::pause_after_exception: a background task outlives a bug in one step.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace platform::core {

// What a step asks for before the next one: a pause, and whether wake() may end it early
// (a backoff after a failure should not become a busy retry because callers keep waking).
struct Pause {
  template <typename Rep, typename Period>
  Pause(std::chrono::duration<Rep, Period> pause)  // NOLINT(google-explicit-constructor)
      : duration(std::chrono::duration_cast<std::chrono::milliseconds>(pause)) {}
  template <typename Rep, typename Period>
  static Pause ignoring_wake(std::chrono::duration<Rep, Period> pause) {
    Pause result(pause);
    result.wakeable = false;
    return result;
  }

  std::chrono::milliseconds duration;
  bool wakeable = true;
};

class BackgroundTask {
 public:
  using Step = std::function<Pause(BackgroundTask& task)>;
  struct Options {
    // Called by stop() (on the stopping thread) after the stop flag is set: makes a step
    // that is blocked in I/O return now.
    std::function<void()> interrupt;
    // Receives what an exception escaping a step said.
    std::function<void(std::string_view task, std::string_view what)> on_exception;
    std::chrono::milliseconds pause_after_exception{1000};
  };

  BackgroundTask(std::string name, Step step);
  BackgroundTask(std::string name, Step step, Options options);
  ~BackgroundTask();  // stop()
  BackgroundTask(const BackgroundTask&) = delete;
  BackgroundTask& operator=(const BackgroundTask&) = delete;

  // Starts the thread; the first step runs at once. Does nothing while running. A task
  // may be started again after stop().
  void start();
  // Ends the current (wakeable) pause. Safe from any thread, also before start().
  void wake();
  // Sets the stop flag, interrupts, ends any pause or sleep, and joins. Safe from any
  // thread but the task's own, and more than once.
  void stop();

  // For the step: whether stop() was called.
  bool stopping() const;
  // For the step: waits `delay` unless stop() comes first; false when stopping. wake()
  // does not end it.
  bool sleep(std::chrono::milliseconds delay);
  // Whether the calling thread is this task's own.
  bool on_task_thread() const;

  const std::string& name() const { return name_; }
  bool running() const;

 private:
  void run();

  std::string name_;
  Step step_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace platform::core
