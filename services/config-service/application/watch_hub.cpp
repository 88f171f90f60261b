#include "application/watch_hub.h"

namespace config_service::application {

namespace {

// How long the task pauses when nobody waits: notify() and watch() wake it anyway.
constexpr std::chrono::hours kIdlePause{1};

}  // namespace

WatchHub::WatchHub()
    : task_("watch-hub", [this](platform::core::BackgroundTask&) { return answer_due(); }) {
  task_.start();
}

WatchHub::~WatchHub() {
  shutdown();
  task_.stop();
}

void WatchHub::watch(const std::string& topic, std::int64_t after, std::chrono::milliseconds wait,
                     Answer answer) {
  bool parked = false;
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
      parked = true;
    }
  }
  if (parked) {
    task_.wake();  // the new deadline may be the earliest
    return;
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
  task_.wake();
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

platform::core::Pause WatchHub::answer_due() {
  std::vector<Answer> answers;
  std::chrono::milliseconds pause = kIdlePause;
  {
    std::lock_guard lock(mutex_);
    const auto now = SteadyClock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now)
      ready_.push_back(take(deadlines_.begin()->second));
    answers = std::move(ready_);
    ready_.clear();
    if (!deadlines_.empty()) {
      pause = std::chrono::ceil<std::chrono::milliseconds>(deadlines_.begin()->first - now);
    }
  }
  for (auto& answer : answers) answer();
  // Answering took time: look again at once rather than oversleep a deadline.
  if (!answers.empty()) return std::chrono::milliseconds(0);
  return pause;
}

}  // namespace config_service::application
