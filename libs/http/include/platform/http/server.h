// The HTTP/1.1 server (Boost.Beast and Asio with C++20 coroutines, hidden in src/).
//
//   Server server(ServerOptions{.port = 8101}, std::move(router), logger, registry);
//   std::uint16_t port = server.start();   // binds; port 0 picks a free one
//   server.wait_for_shutdown_signal();     // SIGTERM/SIGINT -> graceful stop
//
// The server owns everything around a handler: request ids and trace context, limits
// (413 body, 414 URL, 431 headers, read and idle timeouts), 404/405, the access log
// line and the RED metrics of every request, and graceful shutdown: stop accepting,
// let in-flight requests finish within `shutdown_timeout`, close idle connections.
// A deferred request (Router::add_async) counts as in flight until its Responder
// answers; it holds no thread meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "platform/http/router.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int io_threads = 1;      // network threads: parsing, writing, inline routes
  int worker_threads = 2;  // run kWorkerPool handlers
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::size_t max_header_bytes = std::size_t{16} * 1024;  // all header fields together
  std::size_t max_url_bytes = std::size_t{8} * 1024;
  // A request must arrive whole within this time once its first byte came.
  std::chrono::milliseconds read_timeout{10'000};
  // A keep-alive connection with no request for this long is closed.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_timeout{10'000};
  // Called once, on the thread calling stop(), when draining begins: after the server
  // stopped accepting and before it waits for in-flight requests. Answer pending
  // deferred requests here (long polls: with the current state) so that they are
  // delivered (with `Connection: close`) instead of holding the stop for
  // shutdown_timeout. An exception it throws is logged. It runs under stop()'s lock: it
  // must not call stop() itself.
  std::function<void()> on_shutdown;
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
  // Blocks until SIGTERM or SIGINT, then stops gracefully.
  void wait_for_shutdown_signal();
  // Graceful stop: stop accepting, close idle connections, call on_shutdown, finish
  // in-flight requests within shutdown_timeout, join the threads. Safe to call more
  // than once.
  void stop();

  std::uint16_t port() const;
  bool draining() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace platform::http
