// The insides of an EventLoop (internal to the http library): the io_context that the
// server runs and its clients borrow, which phase it is in, and the clients to shut down
// when the server stops.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "platform/http/event_loop.h"

namespace platform::http {

struct EventLoop::State {
  enum class Phase { kNotStarted, kRunning, kStopped };

  // An io_context whose pending handlers can be destroyed while their owners still exist
  // (a forced stop), instead of whenever the last holder of the loop lets it go.
  class Context : public boost::asio::io_context {
   public:
    using boost::asio::io_context::io_context;
    void discard_pending() { shutdown(); }
  };

  explicit State(int thread_count) : threads(thread_count), ioc(thread_count) {}

  // A client's shutdown, run by stop_users(). Returns the registration to pass to
  // detach(), or nothing when the server stopped already (the client starts shut down).
  std::optional<std::uint64_t> attach(std::function<void()> on_stop) {
    std::lock_guard lock(mutex);
    if (phase == Phase::kStopped) return std::nullopt;
    const std::uint64_t id = next_user++;
    users.emplace(id, std::move(on_stop));
    return id;
  }
  // Waits while stop_users() runs: a client going away is then either shut down by it or
  // not known to it.
  void detach(std::uint64_t id) {
    std::lock_guard lock(mutex);
    users.erase(id);
  }

  // The server, when it starts running the loop.
  void mark_running() {
    std::lock_guard lock(mutex);
    if (phase == Phase::kNotStarted) phase = Phase::kRunning;
  }
  // The server, when its own connections are done and before its threads end: every
  // client on the loop shuts down (each waits for its calls to end, on the running loop).
  void stop_users() {
    std::lock_guard lock(mutex);
    phase = Phase::kStopped;
    for (auto& [id, on_stop] : users) on_stop();
    users.clear();
  }
  Phase current_phase() {
    std::lock_guard lock(mutex);
    return phase;
  }

  // Whether the calling thread is one of the server's threads running this loop.
  bool runs_this_thread() const { return running_here == this; }
  // Set by each server thread for as long as it runs the loop.
  class ThreadMark {
   public:
    explicit ThreadMark(const State& state) { running_here = &state; }
    ~ThreadMark() { running_here = nullptr; }
    ThreadMark(const ThreadMark&) = delete;
    ThreadMark& operator=(const ThreadMark&) = delete;
  };

  const int threads;
  Context ioc;

 private:
  static thread_local const State* running_here;
  std::mutex mutex;
  Phase phase = Phase::kNotStarted;
  std::map<std::uint64_t, std::function<void()>> users;
  std::uint64_t next_user = 0;
};

}  // namespace platform::http
