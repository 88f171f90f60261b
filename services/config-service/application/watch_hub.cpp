#include "application/watch_hub.h"

namespace config_service::application {

WatchHub::WatchHub() : thread_([this] { run(); }) {}

WatchHub::~WatchHub() {
  shutdown();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void WatchHub::watch(const std::string& topic, std::int64_t after, std::chrono::milliseconds wait,
                     Answer answer) {
  {
    std::lock_guard lock(mutex_);
    const auto latest = latest_.find(topic);
    const bool changed_already = latest != latest_.end() && latest->second > after;
    if (!shut_down_ && !changed_already) {
      const std::uint64_t id = next_id_++;
      const auto deadline = SteadyClock::now() + wait;
      waiters_.emplace(id, Waiter{topic, after, deadline, std::move(answer)});
      deadlines_.emplace(deadline, id);
      by_topic_.emplace(topic, id);
      changed_.notify_all();  // the deadline may be the earliest
      return;
    }
  }
  answer();
}

void WatchHub::notify(const std::string& topic, std::int64_t version) {
  {
    std::lock_guard lock(mutex_);
    auto& latest = latest_[topic];
    if (version > latest) latest = version;
    std::vector<std::uint64_t> due;
    for (auto [it, end] = by_topic_.equal_range(topic); it != end; ++it)
      if (waiters_.at(it->second).after < version) due.push_back(it->second);
    if (due.empty()) return;
    for (std::uint64_t id : due) ready_.push_back(take(id));
  }
  changed_.notify_all();
}

void WatchHub::shutdown() {
  std::vector<Answer> answers;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    answers = std::move(ready_);
    ready_.clear();
    while (!waiters_.empty()) answers.push_back(take(waiters_.begin()->first));
  }
  for (auto& answer : answers) answer();
}

std::size_t WatchHub::waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

WatchHub::Answer WatchHub::take(std::uint64_t id) {
  auto waiter = waiters_.find(id);
  Answer answer = std::move(waiter->second.answer);
  for (auto [it, end] = deadlines_.equal_range(waiter->second.deadline); it != end; ++it) {
    if (it->second == id) {
      deadlines_.erase(it);
      break;
    }
  }
  for (auto [it, end] = by_topic_.equal_range(waiter->second.topic); it != end; ++it) {
    if (it->second == id) {
      by_topic_.erase(it);
      break;
    }
  }
  waiters_.erase(waiter);
  return answer;
}

void WatchHub::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (stopping_ && ready_.empty()) return;
    const auto now = SteadyClock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now)
      ready_.push_back(take(deadlines_.begin()->second));
    if (!ready_.empty()) {
      std::vector<Answer> answers = std::move(ready_);
      ready_.clear();
      lock.unlock();
      for (auto& answer : answers) answer();
      lock.lock();
      continue;
    }
    if (stopping_) return;
    if (deadlines_.empty()) {
      changed_.wait(lock);
    } else {
      // A copy: wait_until keeps a reference to its time point while the lock is released,
      // and another thread may erase this node meanwhile (ASan caught exactly that).
      const SteadyClock::time_point next_deadline = deadlines_.begin()->first;
      changed_.wait_until(lock, next_deadline);
    }
  }
}

}  // namespace config_service::application
