// Long polls without a thread per waiter: pending answers keyed by what they watch.
//
//   WatchHub hub;                                    // starts its one background task
//   hub.watch("registry", after, 30s, [=] { respond(current_state()); });
//   ... after a change committed:  hub.notify("registry", new_version);
//   ... on shutdown:               hub.shutdown();   // answers everyone now
//
// A waiter is answered exactly once: as soon as `topic` reaches a version above `after`,
// when its wait ends, or at shutdown. Answers run on the hub's task (a
// core::BackgroundTask; never under the hub's lock, never on the notifier's thread), except
// at shutdown, where they run on the caller's thread. An answer typically reads the
// current state and calls a Responder.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "platform/core/background_task.h"

namespace config_service::application {

class WatchHub {
 public:
  using Answer = std::function<void()>;
  using SteadyClock = std::chrono::steady_clock;

  WatchHub();
  ~WatchHub();  // shutdown(), then stops the task
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Answers now if `topic` is known to be past `after` or the hub is shut down; else
  // when the topic passes `after` or after `wait`.
  void watch(const std::string& topic, std::int64_t after, std::chrono::milliseconds wait,
             Answer answer);
  // `topic` reached `version` (call after the change committed): answers its waiters
  // whose `after` is below it.
  void notify(const std::string& topic, std::int64_t version);
  // Answers every waiter now; later watches are answered at once.
  void shutdown();

  std::size_t waiting() const;

 private:
  struct Waiter {
    std::string topic;
    std::int64_t after = 0;
    SteadyClock::time_point deadline;
    Answer answer;
  };

  // One step of the task: answers what is ready or due, then pauses until the next
  // deadline (or until notify() or watch() wakes it).
  platform::core::Pause answer_due();
  // Moves the waiter out of every index; the caller answers it.
  Answer take(std::uint64_t id);

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Waiter> waiters_;
  std::multimap<SteadyClock::time_point, std::uint64_t> deadlines_;
  std::multimap<std::string, std::uint64_t> by_topic_;
  std::map<std::string, std::int64_t> latest_;  // the highest version notified per topic
  std::vector<Answer> ready_;                   // to be answered by the task
  bool shut_down_ = false;
  platform::core::BackgroundTask task_;  // last: starts after the members it uses
};

}  // namespace config_service::application
