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

bool has_streamed_route(const Router& router_) {
  for (const auto& route : router_.routes()) {
    if (route.body == RequestBody::kStreamed) return true;
  }
  return false;
}

}  // namespace

Server::Impl::Impl(ServerOptions server_options, Router server_router,
                   logging::Logger& server_logger, metrics::Registry& metrics_registry)
    : options_(std::move(server_options)),
      router_(std::move(server_router)),
      logger_(server_logger),
      registry_(metrics_registry),
      dispatcher_(router_, logger_),
      access_log_(logger_, registry_, options_.tracer),
      in_flight_(registry_.gauge("http_requests_in_flight", "HTTP requests being served.")),
      connections_total_(registry_.counter("http_connections_total", "HTTP connections accepted.")),
      accept_paused_total_(registry_.counter(
          "http_accept_paused_total",
          "Times the server stopped accepting because max_connections were open.")),
      streams_refused_total_(registry_.counter(
          "http_streamed_requests_refused_total",
          "Streamed requests refused with 503: max_streamed_requests were busy.")),
      bodies_too_slow_total_(registry_.counter(
          "http_request_bodies_too_slow_total",
          "Streamed request bodies cut off by their deadline or the minimum rate.")),
      workers_(std::make_unique<asio::thread_pool>(
          static_cast<std::size_t>(std::max(1, options_.worker_threads)))),
      loop_(options_.event_loop ? options_.event_loop
                                : std::make_shared<EventLoop>(options_.io_threads)),
      ioc_(loop_->state().ioc) {
  options_.io_threads = loop_->threads();
  options_.max_streamed_requests = std::max<std::size_t>(options_.max_streamed_requests, 1);
  options_.max_connections = std::max<std::size_t>(options_.max_connections, 1);
  if (has_streamed_route(router_)) {
    stream_workers_ = std::make_unique<detail::LifoPool>(options_.max_streamed_requests);
  }
  registry_.callback_gauge(
      "http_connections_open", "HTTP connections open.", {},
      [open = open_connections_] { return static_cast<double>(open->load()); });
}

Server::Impl::~Impl() {
  stop();
  std::lock_guard lock(post_gate_->mutex);
  post_gate_->open = false;
}

// ---- the cap on open connections ------------------------------------------------------

Server::Impl::Connection::Connection(Impl& owner, tcp::socket accepted)
    : impl(owner), socket(std::move(accepted)), timer(socket.get_executor()) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (!ec) remote_address = endpoint.address().to_string();
  impl.open_connections_->fetch_add(1);
}

Server::Impl::Connection::~Connection() {
  impl.forget(this);
}

void Server::Impl::forget(Connection* connection) {
  {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(connection);
    if (connections_.empty()) connections_drained_.notify_all();
  }
  // Below the cap again: wake the accept loop if it waits (on the acceptor_'s strand). Not
  // once stopping: the loop is ending, and the io_context may be going away.
  if (open_connections_->fetch_sub(1) == options_.max_connections && !draining_.load()) {
    asio::post(acceptor_->get_executor(), [this] {
      if (accept_gate_) accept_gate_->cancel();
    });
  }
}

std::vector<std::shared_ptr<Server::Impl::Connection>> Server::Impl::live_connections() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard lock(connections_mutex_);
  for (const auto& [pointer, weak] : connections_) {
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
    if (open_connections_->load() >= options_.max_connections) {
      // Full: newcomers wait in the kernel's backlog. Idle keep-alive connections are the
      // cheapest to give up (their clients reconnect), so they make room first.
      accept_paused_total_.inc();
      logger_.warn("connection limit reached; accepting paused",
                   {{"max_connections", options_.max_connections}});
      close_idle_connections(/*kept_alive_only=*/true);
      accept_gate_->expires_at(asio::steady_timer::time_point::max());
      while (open_connections_->load() >= options_.max_connections && acceptor_->is_open()) {
        [[maybe_unused]] auto [wait_ec] = co_await accept_gate_->async_wait(kUseTuple);
      }
      if (!acceptor_->is_open()) co_return;
      logger_.info("accepting again", {{"open_connections", open_connections_->load()}});
    }
    // The socket's executor is the connection's own strand (with one network thread, the
    // io_context is one already).
    const asio::any_io_executor strand = connection_executor();
    auto [ec, socket] = co_await acceptor_->async_accept(strand, kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      logger_.warn("accept failed", {{"error", ec.message()}});
      // Out of file descriptors and the like: back off instead of spinning.
      const auto executor = co_await asio::this_coro::executor;
      asio::steady_timer pause(executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    connections_total_.inc();
    auto connection = std::make_shared<Connection>(*this, std::move(socket));
    {
      std::lock_guard lock(connections_mutex_);
      connections_.emplace(connection.get(), connection);
    }
    const auto executor = connection->socket.get_executor();
    asio::co_spawn(executor, serve(std::move(connection)), log_failure("connection"));
  }
}

// ---- starting ----------------------------------------------------------------------------

std::uint16_t Server::Impl::start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (started_) throw std::logic_error("Server::start called twice");
  // A client that closes its connection during a sendfile(2) would otherwise kill the
  // process with SIGPIPE (Asio's own writes pass MSG_NOSIGNAL; sendfile cannot).
  std::signal(SIGPIPE, SIG_IGN);
  tcp::resolver resolver(ioc_);
  const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service);
  const tcp::endpoint endpoint = *endpoints.begin();
  acceptor_.emplace(connection_executor());
  acceptor_->open(endpoint.protocol());
  acceptor_->set_option(tcp::acceptor::reuse_address(true));
  acceptor_->bind(endpoint);
  acceptor_->listen(asio::socket_base::max_listen_connections);
  accept_gate_.emplace(acceptor_->get_executor());
  port_ = acceptor_->local_endpoint().port();

  // Catch SIGTERM/SIGINT from now on: one that arrives before wait_for_shutdown_signal()
  // is held until then instead of killing the process with the default action.
  signals_.emplace(signal_context_, SIGTERM, SIGINT);
  signals_->async_wait([this](const error_code& ec, int signal) {
    if (!ec) received_signal_ = signal;
  });

  work_guard_.emplace(ioc_.get_executor());
  asio::co_spawn(acceptor_->get_executor(), accept_loop(), log_failure("accept"));
  loop_->state().mark_running();
  for (int i = 0; i < options_.io_threads; ++i) {
    io_threads_.emplace_back([this] { run_io(); });
  }
  started_ = true;
  logger_.info("listening", {{"host", options_.host}, {"port", port_.load()}});
  return port_;
}

asio::any_io_executor Server::Impl::connection_executor() {
  if (options_.io_threads == 1) return ioc_.get_executor();
  return asio::make_strand(ioc_);
}

void Server::Impl::run_io() {
  const EventLoop::State::ThreadMark mark(loop_->state());
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& error) {
      // Every task has a logging completion handler, so this is a bug; keep serving.
      logger_.error("io thread caught an exception", {{"error", error.what()}});
    }
  }
}

// ---- the pools ---------------------------------------------------------------------------

Server::Impl::RunningJob::RunningJob(Impl& impl) : impl_(impl) {
  std::lock_guard lock(impl_.jobs_mutex_);
  ++impl_.jobs_running_;
}

Server::Impl::RunningJob::~RunningJob() {
  std::lock_guard lock(impl_.jobs_mutex_);
  if (--impl_.jobs_running_ == 0) impl_.jobs_done_.notify_all();
}

bool Server::Impl::wait_for_jobs(Clock::time_point deadline) {
  std::unique_lock lock(jobs_mutex_);
  return jobs_done_.wait_until(lock, deadline, [this] { return jobs_running_ == 0; });
}

// ---- stopping ----------------------------------------------------------------------------

void Server::Impl::stop() {
  std::lock_guard lock(lifecycle_mutex_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  // Wakes wait_for_shutdown_signal() when stop() came first.
  if (!stopping_on_signal_.load()) signal_context_.stop();

  // 1. Not ready any more: probes and load balancers stop sending new work.
  draining_.store(true);
  if (options_.health != nullptr) options_.health->begin_draining();
  logger_.info("draining",
               {{"drain_delay_ms", static_cast<std::int64_t>(options_.drain_delay.count())},
                {"in_flight", in_flight_.value()}});
  // 2. Deregister, answer long polls.
  if (options_.on_shutdown) {
    try {
      options_.on_shutdown();
    } catch (const std::exception& error) {
      logger_.error("on_shutdown threw an exception", {{"error", error.what()}});
    } catch (...) {
      logger_.error("on_shutdown threw an exception", {{"error", "unknown exception"}});
    }
  }
  // 3. Callers that still had us in a cache are served a little longer.
  if (options_.drain_delay.count() > 0) std::this_thread::sleep_for(options_.drain_delay);
  asio::post(acceptor_->get_executor(), [this] {
    error_code ignored;
    acceptor_->close(ignored);
    if (accept_gate_) accept_gate_->cancel();
  });
  // Idle connections close now; busy ones answer with `Connection: close` and end, or
  // close once idle (an answer promised keep-alive before the stop).
  idle_connections_closed_.store(true);
  close_idle_connections(/*kept_alive_only=*/false);

  // 4. In-flight requests finish within shutdown_timeout.
  const auto deadline = Clock::now() + options_.shutdown_timeout;
  bool drained = false;
  {
    std::unique_lock wait_lock(connections_mutex_);
    drained = connections_drained_.wait_until(wait_lock, deadline,
                                              [this] { return connections_.empty(); });
  }
  if (!drained) {
    const auto left = live_connections();
    logger_.warn("shutdown timeout passed; closing connections", {{"connections", left.size()}});
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
  // Clients sharing the loop end their calls and let it go idle.
  loop_->state().stop_users();
  work_guard_.reset();
  // A connection still waiting for a handler keeps the io_context busy; after the
  // deadline we stop waiting for it.
  if (!drained) ioc_.stop();
  for (auto& thread : io_threads_) thread.join();
  io_threads_.clear();
  if (!drained) {
    // Connections whose posted close() the loop did not get to run: closed here, now that
    // no thread runs the loop. A deferred request still waiting for its answer is held
    // by that answer, not by the loop: woken, it sees its connection closed and parks on
    // an operation of the loop, which discard_pending() then destroys with its frame.
    for (const auto& connection : live_connections()) connection->close();
  }
  // What the forced stop left behind goes now, while the connections' server exists: a
  // shared loop may outlive it.
  if (!drained) ioc_.discard_pending();

  // 5. The worker threads, with a deadline of their own: a handler stuck in a call that
  // never returns must not keep the process from ending.
  if (wait_for_jobs(Clock::now() + options_.worker_join_timeout)) {
    workers_->join();
    if (stream_workers_) stream_workers_->join();
  } else {
    std::size_t running = 0;
    {
      std::lock_guard jobs_lock(jobs_mutex_);
      running = jobs_running_;
    }
    logger_.error("handlers still running after the worker deadline; abandoning them",
                  {{"handlers", running},
                   {"worker_join_timeout_ms",
                    static_cast<std::int64_t>(options_.worker_join_timeout.count())}});
    abandoned_ = true;
    // The pools' threads still use them: leave both to the end of the process.
    SYL_LEAK_ON_PURPOSE(workers_.release());
    if (auto* streams = stream_workers_.release()) SYL_LEAK_ON_PURPOSE(streams);
  }
  logger_.info("stopped", {{"port", port_.load()}});
}

void Server::Impl::wait_for_shutdown_signal() {
  signal_context_.run();
  const int first = received_signal_.load();
  if (first == 0) {
    stop();  // stop() came first, from another thread: wait for it to finish
    return;
  }
  logger_.info("shutdown signal received", {{"signal", first}});
  // A second signal while the stop runs means "now": the operator gave up waiting.
  signal_context_.restart();
  signals_->async_wait([this](const error_code& ec, int signal) {
    if (ec) return;
    logger_.warn("second shutdown signal; exiting at once", {{"signal", signal}});
    logger_.flush();
    std::_Exit(128 + signal);
  });
  stopping_on_signal_.store(true);
  std::thread second_signal([this] { signal_context_.run(); });
  stop();
  signal_context_.stop();
  second_signal.join();
}

// ---- the public face ---------------------------------------------------------------------

Server::Server(ServerOptions options, Router router, logging::Logger& logger,
               metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), logger, registry)) {}

Server::~Server() {
  impl_->stop();
  // Handlers that outlived the worker deadline still use the server: leave it to them.
  if (impl_->abandoned_) SYL_LEAK_ON_PURPOSE(impl_.release());
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
  return impl_->port_.load();
}
bool Server::draining() const {
  return impl_->draining_.load();
}

}  // namespace platform::http
