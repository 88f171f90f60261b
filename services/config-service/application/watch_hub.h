// Long polls without a thread per waiter: pending answers keyed by what they watch.
//
//   WatchHub hub;                                    // starts its one timer thread
//   hub.watch("registry", after, 30s, [=] { respond(current_state()); });
//   ... after a change committed:  hub.notify("registry", new_version);
//   ... on shutdown:               hub.shutdown();   // answers everyone now
//
// A waiter is answered exactly once: as soon as `topic` reaches a version above `after`,
// when its wait ends, or at shutdown. Answers run on the hub's thread (never under its
// lock, never on the notifier's thread), except at shutdown, where they run on the
// caller's thread. An answer typically reads the current state and calls a Responder.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace config_service::application {

class WatchHub {
 public:
  using Answer = std::function<void()>;
  using SteadyClock = std::chrono::steady_clock;

  WatchHub();
  ~WatchHub();  // shutdown(), then joins the thread
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

  void run();
  // Moves the waiter out of every index; the caller answers it.
  Answer take(std::uint64_t id);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Waiter> waiters_;
  std::multimap<SteadyClock::time_point, std::uint64_t> deadlines_;
  std::multimap<std::string, std::uint64_t> by_topic_;
  std::map<std::string, std::int64_t> latest_;  // the highest version notified per topic
  std::vector<Answer> ready_;                   // to be answered by the thread
  bool shut_down_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace config_service::application
