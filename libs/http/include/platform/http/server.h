// The HTTP/1.1 server (Boost.Beast and Asio with C++20 coroutines, hidden in src/).
//
//   Server server(ServerOptions{.port = 8101, .health = &health}, std::move(router), logger,
//                 registry);
//   std::uint16_t port = server.start();   // binds; port 0 picks a free one
//   server.wait_for_shutdown_signal();     // SIGTERM/SIGINT -> graceful stop
//
// A handler's Content-Length is ignored (the server frames the body it is given), except
// on an answer to HEAD without a body, where it states the GET's length (a proxy's case).
//
// The server owns everything around a handler: request ids and trace context, limits
// (413 body, 414 URL, 431 headers, read and idle timeouts), the framing rules that stop
// request smuggling (400), 404/405, the middleware chain, the access log line and the
// RED metrics of every request, and a graceful stop.
//
// Protection against slow and greedy clients:
// - A request header (and a buffered body) must arrive whole within read_timeout.
// - A streamed body (Router::add_streamed) must keep each piece within read_timeout, keep
//   up min_body_rate on average (counted over the time spent waiting for it, after
//   body_rate_grace) and arrive whole within body_timeout; otherwise the handler's read
//   fails with kDeadlineExceeded (408). Streamed requests run on a pool of their own of
//   max_streamed_requests threads, so uploads never take the workers of ordinary routes;
//   one more than that is refused at once with 503 and Retry-After.
// - At max_connections open connections the server stops accepting (the kernel's backlog
//   holds newcomers) and closes idle keep-alive connections; accepting resumes as soon as
//   one closes.
// - An early answer (413, 415, 401 before the body was read) reaches a client that keeps
//   sending: the server reads and discards the rest for up to linger_timeout and
//   linger_max_bytes before closing, as nginx's lingering close does, instead of letting
//   the kernel reset the connection under the answer.
//
// Stopping (SIGTERM, or stop()), in the order a rollout needs:
// 1. readiness turns 503 (ServerOptions::health), keep-alive answers say Connection: close;
// 2. on_shutdown runs (deregister from the registry, answer long polls);
// 3. the server keeps serving for drain_delay, so that callers that still had this
//    instance in a cache are served, then closes the listener and idle connections;
// 4. in-flight requests get shutdown_timeout to finish, then their connections close;
// 5. the worker threads get worker_join_timeout; handlers still running after it are
//    abandoned (logged) so that the process can end.
// A second SIGTERM or SIGINT while this runs ends the process at once (exit 128 + signal).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "platform/http/event_loop.h"
#include "platform/http/router.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::tracing {
class Tracer;
}

namespace platform::http {

class Health;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int io_threads = 1;  // network threads: parsing, writing, inline routes
  // Network threads to share with clients (see event_loop.h): the loop's thread count
  // then replaces io_threads. Null: the server's own.
  std::shared_ptr<EventLoop> event_loop;
  int worker_threads = 2;                                 // run kWorkerPool handlers
  std::size_t max_body_bytes = std::size_t{1024} * 1024;  // a buffered body
  std::size_t max_header_bytes = std::size_t{16} * 1024;  // all header fields together
  std::size_t max_url_bytes = std::size_t{8} * 1024;
  // A request header (and a buffered body) must arrive whole within this time once its
  // first byte came; each piece of a streamed body likewise.
  std::chrono::milliseconds read_timeout{10'000};
  // A keep-alive connection with no request for this long is closed.
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 4096;

  // Streamed request bodies (Router::add_streamed).
  std::size_t max_streamed_requests = 16;           // at once; each holds a thread of its own pool
  std::chrono::milliseconds body_timeout{300'000};  // the whole streamed body
  std::uint64_t min_body_rate = 4096;               // bytes/s; 0 turns the check off
  std::chrono::milliseconds body_rate_grace{5'000};

  // Reading and discarding what a client still sends after an early answer.
  std::chrono::milliseconds linger_timeout{10'000};
  std::uint64_t linger_max_bytes = std::uint64_t{64} * 1024 * 1024;

  // Stopping (see above).
  Health* health = nullptr;  // readiness turns 503 when the stop begins
  std::chrono::milliseconds drain_delay{0};
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::chrono::milliseconds worker_join_timeout{2'000};
  // Called once, on the thread calling stop(), when draining begins: after the server
  // stopped accepting and before it waits for in-flight requests. Answer pending
  // deferred requests here (long polls: with the current state) so that they are
  // delivered (with `Connection: close`) instead of holding the stop for
  // shutdown_timeout. An exception it throws is logged. It runs under stop()'s lock: it
  // must not call stop() itself.
  std::function<void()> on_shutdown;

  // Tracing: a server span per request (named "<method> <route>", an error status for 5xx),
  // and the sampling of traces that begin here. Null: no spans. Must outlive the server.
  tracing::Tracer* tracer = nullptr;
};

class Server {
 public:
  Server(ServerOptions options, Router router, logging::Logger& logger,
         metrics::Registry& registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads; returns the bound port. Throws on bind errors.
  std::uint16_t start();
  // Blocks until SIGTERM or SIGINT (or stop() from another thread), then stops
  // gracefully; a second signal meanwhile ends the process at once.
  void wait_for_shutdown_signal();
  // Graceful stop in the order described above; returns when it is done. Safe to call
  // more than once and from several threads (later calls wait for the first).
  void stop();

  std::uint16_t port() const;
  bool draining() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace platform::http
