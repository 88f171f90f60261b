// Network threads shared by a Server and the clients that serve its requests.
//
// A proxy's request arrives on a server thread and becomes a call of a Client: with
// threads of its own, the client would take the call over on another thread and hand
// the answer back, two thread wake-ups per request. Given the server's loop, the client
// runs its calls on the server's threads instead, and both hand-overs become queue
// pushes on the same thread.
//
//   auto loop = std::make_shared<EventLoop>(server_options.io_threads);
//   Client upstream(ClientOptions{.event_loop = loop});  // calls run on the server's threads
//   server_options.event_loop = loop;                    // the server runs the loop
//   Server server(std::move(server_options), std::move(router), logger, registry);
//
// The loop runs from Server::start() to Server::stop(). A client on it:
// - makes progress only while the server runs: calls started before the server starts
//   wait for it, so never send() and wait on one before then;
// - is shut down by the server's stop, once the server's own connections are finished:
//   calls still in flight fail with kUnavailable ("shutting down"), later calls are
//   refused at once;
// - may be destroyed while the server runs (it waits for its calls to end) or after the
//   server stopped.
// No Asio type appears here: the loop's insides are the http library's own.
#pragma once

#include <memory>

namespace platform::http {

class EventLoop {
 public:
  // `threads`: how many network threads the server runs the loop with (at least 1).
  explicit EventLoop(int threads = 1);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  int threads() const;

  struct State;  // the io_context and its users (src/event_loop_state.h)
  State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

}  // namespace platform::http
