// Starting, accepting and stopping. See impl.h for the map of the server's files.
#include <boost/asio/post.hpp>
#include <csignal>
#include <cstdlib>
#include <stdexcept>

#include "impl.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define SYL_LEAK_ON_PURPOSE(pointer) __lsan_ignore_object(pointer)
#else
#define SYL_LEAK_ON_PURPOSE(pointer) static_cast<void>(pointer)
#endif

namespace platform::http {

void LogFailure::operator()(const std::exception_ptr& failure) const {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& error) {
    logger->error("task failed", {{"task", task}, {"error", error.what()}});
  } catch (...) {
    logger->error("task failed", {{"task", task}, {"error", "unknown exception"}});
  }
}

namespace {

bool has_streamed_route(const Router& router) {
  for (const auto& route : router.routes()) {
    if (route.body == RequestBody::kStreamed) return true;
  }
  return false;
}

}  // namespace

Server::Impl::Impl(ServerOptions server_options, Router server_router,
                   logging::Logger& server_logger, metrics::Registry& metrics_registry)
    : options(std::move(server_options)),
      router(std::move(server_router)),
      logger(server_logger),
      registry(metrics_registry),
      dispatcher(router, logger),
      access_log(logger, registry),
      in_flight(registry.gauge("http_requests_in_flight", "HTTP requests being served.")),
      connections_total(registry.counter("http_connections_total", "HTTP connections accepted.")),
      accept_paused_total(registry.counter(
          "http_accept_paused_total",
          "Times the server stopped accepting because max_connections were open.")),
      streams_refused_total(
          registry.counter("http_streamed_requests_refused_total",
                           "Streamed requests refused with 503: max_streamed_requests were busy.")),
      bodies_too_slow_total(registry.counter(
          "http_request_bodies_too_slow_total",
          "Streamed request bodies cut off by their deadline or the minimum rate.")),
      workers(std::make_unique<asio::thread_pool>(
          static_cast<std::size_t>(std::max(1, options.worker_threads)))),
      ioc(std::max(1, options.io_threads)) {
  options.max_streamed_requests = std::max<std::size_t>(options.max_streamed_requests, 1);
  options.max_connections = std::max<std::size_t>(options.max_connections, 1);
  if (has_streamed_route(router)) {
    stream_workers = std::make_unique<asio::thread_pool>(options.max_streamed_requests);
  }
  registry.callback_gauge("http_connections_open", "HTTP connections open.", {},
                          [this] { return static_cast<double>(open_connections.load()); });
}

Server::Impl::~Impl() {
  stop();
  std::lock_guard lock(post_gate->mutex);
  post_gate->open = false;
}

// ---- the cap on open connections ------------------------------------------------------

Server::Impl::Connection::Connection(Impl& owner, tcp::socket accepted)
    : impl(owner), socket(std::move(accepted)), timer(socket.get_executor()) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (!ec) remote_address = endpoint.address().to_string();
  impl.open_connections.fetch_add(1);
}

Server::Impl::Connection::~Connection() {
  impl.forget(this);
}

void Server::Impl::forget(Connection* connection) {
  {
    std::lock_guard lock(connections_mutex);
    connections.erase(connection);
    if (connections.empty()) connections_drained.notify_all();
  }
  // Below the cap again: wake the accept loop if it waits (on the acceptor's strand). Not
  // once stopping: the loop is ending, and the io_context may be going away.
  if (open_connections.fetch_sub(1) == options.max_connections && !draining.load()) {
    asio::post(acceptor->get_executor(), [this] {
      if (accept_gate) accept_gate->cancel();
    });
  }
}

std::vector<std::shared_ptr<Server::Impl::Connection>> Server::Impl::live_connections() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard lock(connections_mutex);
  for (const auto& [pointer, weak] : connections) {
    if (auto connection = weak.lock()) live.push_back(std::move(connection));
  }
  return live;
}

void Server::Impl::close_idle_connections(bool kept_alive_only) {
  for (auto& connection : live_connections()) {
    const auto executor = connection->socket.get_executor();
    asio::post(executor, [connection, kept_alive_only] {
      if (connection->idle && (!kept_alive_only || connection->requests_served > 0)) {
        connection->close();
      }
    });
  }
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    if (open_connections.load() >= options.max_connections) {
      // Full: newcomers wait in the kernel's backlog. Idle keep-alive connections are the
      // cheapest to give up (their clients reconnect), so they make room first.
      accept_paused_total.inc();
      logger.warn("connection limit reached; accepting paused",
                  {{"max_connections", options.max_connections}});
      close_idle_connections(/*kept_alive_only=*/true);
      accept_gate->expires_at(asio::steady_timer::time_point::max());
      while (open_connections.load() >= options.max_connections && acceptor->is_open()) {
        [[maybe_unused]] auto [wait_ec] = co_await accept_gate->async_wait(kUseTuple);
      }
      if (!acceptor->is_open()) co_return;
      logger.info("accepting again", {{"open_connections", open_connections.load()}});
    }
    // The socket's executor is a new strand: the connection's own.
    const asio::any_io_executor strand = asio::make_strand(ioc);
    auto [ec, socket] = co_await acceptor->async_accept(strand, kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      logger.warn("accept failed", {{"error", ec.message()}});
      // Out of file descriptors and the like: back off instead of spinning.
      const auto executor = co_await asio::this_coro::executor;
      asio::steady_timer pause(executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    connections_total.inc();
    auto connection = std::make_shared<Connection>(*this, std::move(socket));
    {
      std::lock_guard lock(connections_mutex);
      connections.emplace(connection.get(), connection);
    }
    const auto executor = connection->socket.get_executor();
    asio::co_spawn(executor, serve(std::move(connection)), log_failure("connection"));
  }
}

// ---- starting ----------------------------------------------------------------------------

std::uint16_t Server::Impl::start() {
  std::lock_guard lock(lifecycle_mutex);
  if (started) throw std::logic_error("Server::start called twice");
  // A client that closes its connection during a sendfile(2) would otherwise kill the
  // process with SIGPIPE (Asio's own writes pass MSG_NOSIGNAL; sendfile cannot).
  std::signal(SIGPIPE, SIG_IGN);
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service);
  const tcp::endpoint endpoint = *endpoints.begin();
  acceptor.emplace(asio::make_strand(ioc));
  acceptor->open(endpoint.protocol());
  acceptor->set_option(tcp::acceptor::reuse_address(true));
  acceptor->bind(endpoint);
  acceptor->listen(asio::socket_base::max_listen_connections);
  accept_gate.emplace(acceptor->get_executor());
  port = acceptor->local_endpoint().port();

  // Catch SIGTERM/SIGINT from now on: one that arrives before wait_for_shutdown_signal()
  // is held until then instead of killing the process with the default action.
  signals.emplace(signal_context, SIGTERM, SIGINT);
  signals->async_wait([this](const error_code& ec, int signal) {
    if (!ec) received_signal = signal;
  });

  work_guard.emplace(ioc.get_executor());
  asio::co_spawn(acceptor->get_executor(), accept_loop(), log_failure("accept"));
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    io_threads.emplace_back([this] { run_io(); });
  }
  started = true;
  logger.info("listening", {{"host", options.host}, {"port", port.load()}});
  return port;
}

void Server::Impl::run_io() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& error) {
      // Every task has a logging completion handler, so this is a bug; keep serving.
      logger.error("io thread caught an exception", {{"error", error.what()}});
    }
  }
}

// ---- the pools ---------------------------------------------------------------------------

Server::Impl::RunningJob::RunningJob(Impl& impl) : impl_(impl) {
  std::lock_guard lock(impl_.jobs_mutex);
  ++impl_.jobs_running;
}

Server::Impl::RunningJob::~RunningJob() {
  std::lock_guard lock(impl_.jobs_mutex);
  if (--impl_.jobs_running == 0) impl_.jobs_done.notify_all();
}

bool Server::Impl::wait_for_jobs(Clock::time_point deadline) {
  std::unique_lock lock(jobs_mutex);
  return jobs_done.wait_until(lock, deadline, [this] { return jobs_running == 0; });
}

// ---- stopping ----------------------------------------------------------------------------

void Server::Impl::stop() {
  std::lock_guard lock(lifecycle_mutex);
  if (!started || stopped) return;
  stopped = true;
  // Wakes wait_for_shutdown_signal() when stop() came first.
  if (!stopping_on_signal.load()) signal_context.stop();

  // 1. Not ready any more: probes and load balancers stop sending new work.
  draining.store(true);
  if (options.health != nullptr) options.health->begin_draining();
  logger.info("draining",
              {{"drain_delay_ms", static_cast<std::int64_t>(options.drain_delay.count())},
               {"in_flight", in_flight.value()}});
  // 2. Deregister, answer long polls.
  if (options.on_shutdown) {
    try {
      options.on_shutdown();
    } catch (const std::exception& error) {
      logger.error("on_shutdown threw an exception", {{"error", error.what()}});
    } catch (...) {
      logger.error("on_shutdown threw an exception", {{"error", "unknown exception"}});
    }
  }
  // 3. Callers that still had us in a cache are served a little longer.
  if (options.drain_delay.count() > 0) std::this_thread::sleep_for(options.drain_delay);
  asio::post(acceptor->get_executor(), [this] {
    error_code ignored;
    acceptor->close(ignored);
    if (accept_gate) accept_gate->cancel();
  });
  // Idle connections close now; busy ones answer with `Connection: close` and end.
  close_idle_connections(/*kept_alive_only=*/false);

  // 4. In-flight requests finish within shutdown_timeout.
  const auto deadline = Clock::now() + options.shutdown_timeout;
  bool drained = false;
  {
    std::unique_lock wait_lock(connections_mutex);
    drained =
        connections_drained.wait_until(wait_lock, deadline, [this] { return connections.empty(); });
  }
  if (!drained) {
    const auto left = live_connections();
    logger.warn("shutdown timeout passed; closing connections", {{"connections", left.size()}});
    // Close them on their strands and wait (briefly) until that happened, so that the
    // clients see the close now rather than when the server object is destroyed.
    struct Pending {
      std::mutex mutex;
      std::condition_variable done;
      std::size_t left = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = left.size();
    for (const auto& connection : left) {
      const auto executor = connection->socket.get_executor();
      asio::post(executor, [connection, pending] {
        connection->close();
        std::lock_guard pending_lock(pending->mutex);
        if (--pending->left == 0) pending->done.notify_all();
      });
    }
    std::unique_lock pending_lock(pending->mutex);
    pending->done.wait_for(pending_lock, std::chrono::milliseconds(500),
                           [&] { return pending->left == 0; });
  }
  work_guard.reset();
  // A connection still waiting for a handler keeps the io_context busy; after the
  // deadline we stop waiting for it.
  if (!drained) ioc.stop();
  for (auto& thread : io_threads) thread.join();
  io_threads.clear();

  // 5. The worker threads, with a deadline of their own: a handler stuck in a call that
  // never returns must not keep the process from ending.
  if (wait_for_jobs(Clock::now() + options.worker_join_timeout)) {
    workers->join();
    if (stream_workers) stream_workers->join();
  } else {
    std::size_t running = 0;
    {
      std::lock_guard jobs_lock(jobs_mutex);
      running = jobs_running;
    }
    logger.error("handlers still running after the worker deadline; abandoning them",
                 {{"handlers", running},
                  {"worker_join_timeout_ms",
                   static_cast<std::int64_t>(options.worker_join_timeout.count())}});
    abandoned = true;
    // The pools' threads still use them: leave both to the end of the process.
    SYL_LEAK_ON_PURPOSE(workers.release());
    if (auto* streams = stream_workers.release()) SYL_LEAK_ON_PURPOSE(streams);
  }
  logger.info("stopped", {{"port", port.load()}});
}

void Server::Impl::wait_for_shutdown_signal() {
  signal_context.run();
  const int first = received_signal.load();
  if (first == 0) {
    stop();  // stop() came first, from another thread: wait for it to finish
    return;
  }
  logger.info("shutdown signal received", {{"signal", first}});
  // A second signal while the stop runs means "now": the operator gave up waiting.
  signal_context.restart();
  signals->async_wait([this](const error_code& ec, int signal) {
    if (ec) return;
    logger.warn("second shutdown signal; exiting at once", {{"signal", signal}});
    logger.flush();
    std::_Exit(128 + signal);
  });
  stopping_on_signal.store(true);
  std::thread second_signal([this] { signal_context.run(); });
  stop();
  signal_context.stop();
  second_signal.join();
}

// ---- the public face ---------------------------------------------------------------------

Server::Server(ServerOptions options, Router router, logging::Logger& logger,
               metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), logger, registry)) {}

Server::~Server() {
  impl_->stop();
  // Handlers that outlived the worker deadline still use the server: leave it to them.
  if (impl_->abandoned) SYL_LEAK_ON_PURPOSE(impl_.release());
}

std::uint16_t Server::start() {
  return impl_->start();
}
void Server::wait_for_shutdown_signal() {
  impl_->wait_for_shutdown_signal();
}
void Server::stop() {
  impl_->stop();
}
std::uint16_t Server::port() const {
  return impl_->port.load();
}
bool Server::draining() const {
  return impl_->draining.load();
}

}  // namespace platform::http
