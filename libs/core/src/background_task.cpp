#include "platform/core/background_task.h"

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace platform::core {

BackgroundTask::BackgroundTask(std::string name, Step step)
    : BackgroundTask(std::move(name), std::move(step), Options{}) {}

BackgroundTask::BackgroundTask(std::string name, Step step, Options options)
    : name_(std::move(name)), step_(std::move(step)), options_(std::move(options)) {
  if (!step_) throw std::invalid_argument("background task " + name_ + " has no step");
}

BackgroundTask::~BackgroundTask() {
  stop();
}

void BackgroundTask::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void BackgroundTask::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void BackgroundTask::stop() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      throw std::logic_error("background task " + name_ + " cannot stop itself");
    }
    stopping_ = true;
    thread = std::move(thread_);
  }
  cv_.notify_all();
  if (options_.interrupt) options_.interrupt();
  thread.join();
}

bool BackgroundTask::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool BackgroundTask::sleep(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, delay, [this] { return stopping_; });
}

bool BackgroundTask::on_task_thread() const {
  std::lock_guard lock(mutex_);
  return thread_.get_id() == std::this_thread::get_id();
}

bool BackgroundTask::running() const {
  std::lock_guard lock(mutex_);
  return thread_.joinable() && !stopping_;
}

void BackgroundTask::run() {
  for (;;) {
    std::optional<Pause> pause;
    try {
      pause = step_(*this);
    } catch (const std::exception& error) {
      if (options_.on_exception) options_.on_exception(name_, error.what());
    } catch (...) {
      if (options_.on_exception) options_.on_exception(name_, "unknown exception");
    }
    if (!pause) pause = Pause::ignoring_wake(options_.pause_after_exception);

    std::unique_lock lock(mutex_);
    if (pause->wakeable) {
      cv_.wait_for(lock, pause->duration, [this] { return stopping_ || woken_; });
    } else {
      cv_.wait_for(lock, pause->duration, [this] { return stopping_; });
    }
    // A wake that came during the step (or an unwakeable pause) runs the next step at
    // once only when the pause allowed it; either way it is spent now.
    woken_ = false;
    if (stopping_) return;
  }
}

}  // namespace platform::core
