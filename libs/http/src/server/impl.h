// The server's insides, shared by the files of src/server/ (internal to the http library):
//
//   server.cpp      starting, accepting (with the cap on open connections), stopping
//                   (drain order, deadlines, a second signal), the worker pools
//   connection.cpp  one connection's read -> check -> route -> answer loop, buffered
//                   bodies, writing answers, lingering close after an early answer
//   streaming.cpp   streamed request bodies (deadlines, minimum rate, the cap and pool
//                   of their own) and streamed responses (sendfile, chunked)
//   deferred.cpp    deferred answers (Router::add_async): waiting without a thread
//   dispatch.cpp    the pure request -> response path (middleware, handler, 404/405)
//   framing.cpp     header checks: limits and request-smuggling rules
//   access_log_.cpp  the access log line and the RED metrics
//   ../trace.cpp    request ids and trace context
//
// Threads: `io_threads_` run the io_context; every connection lives on its own strand, so
// its socket, timer and flags are only touched from one thread at a time. Handlers run on
// a worker pool (streamed ones on a pool of their own) while the connection's coroutine
// waits without holding a network thread.
//
// g++ 12 miscompiles some co_await expressions that hold non-trivial temporaries (strings,
// executors, a ?: around co_await), so every co_await in these files takes named values.
#pragma once

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../event_loop_state.h"
#include "../plain_head.h"
#include "access_log.h"
#include "dispatch.h"
#include "framing.h"
#include "lifo_pool.h"
#include "platform/http/health.h"
#include "platform/http/server.h"

namespace platform::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;
using HeaderParser = bhttp::request_parser<bhttp::string_body>;
using StreamParser = bhttp::request_parser<bhttp::buffer_body>;

inline constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// The completion handler of every co_spawn: `detached` would swallow the exception.
struct LogFailure {
  logging::Logger* logger;
  std::string_view task;
  void operator()(const std::exception_ptr& failure) const;
};

// The outcome of a blocking read done on another thread (a coroutine's result crossing
// co_spawn must be default-constructible, which Result is not).
struct Piece {
  std::size_t size = 0;
  std::optional<core::Error> error;

  static Piece from(core::Result<std::size_t> result) {
    if (!result) return Piece{.size = 0, .error = std::move(result).error()};
    return Piece{.size = *result, .error = std::nullopt};
  }
  core::Result<std::size_t> result() && {
    if (error) return std::move(*error);
    return size;
  }
};

struct Server::Impl {
  struct DeferredAnswer;  // deferred.cpp

  // ---- one accepted socket ------------------------------------------------------------
  // Its members are only touched on its strand (the socket's executor).
  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(Impl& owner, tcp::socket accepted);
    ~Connection();

    // Starts the deadline for the next operations: when it passes, `timed_out` is set and
    // pending socket operations are cancelled (not closed: we may still answer 408).
    //
    // Lazily: a request arms and disarms the deadline three times or more, and arming a
    // timer and cancelling it each cost the loop a turn (the cancelled wait completes)
    // and often a system call (timerfd). So the timer is left waiting: arm and disarm
    // only move `deadline`, and the timer, when it fires, looks at it and waits again
    // for what is left. A wait never ends later than now + read_timeout, so the usual
    // next deadline (read_timeout or longer from then) needs no change to the timer;
    // only an earlier one sets it again.
    void arm(std::chrono::milliseconds timeout) { arm_until(Clock::now() + timeout); }
    void arm_until(Clock::time_point until);
    void disarm();
    void close();
    // While a deferred request waits: after `delay`, the connection is watched for the
    // client hanging up, which cancels the request (the same timer, so an answer that
    // comes sooner costs nothing).
    void watch_for_hang_up_after(std::chrono::milliseconds delay,
                                 std::shared_ptr<Cancellation> cancellation);
    // The answer came: no watch from now on. Returns whether one had started (the caller
    // cancels it).
    bool end_hang_up_watch();

    Impl& impl;
    tcp::socket socket;
    asio::steady_timer timer;
    std::string remote_address;
    bool idle = true;  // waiting for the first byte of a request
    std::size_t requests_served = 0;
    bool timed_out = false;
    // While a deferred request waits for its answer: the answer (close() wakes it).
    std::weak_ptr<DeferredAnswer> deferred;

   private:
    // Makes sure the timer fires by the earlier of the deadline and the watch's start.
    void schedule();
    void wait_until(Clock::time_point expiry);
    void on_timer();

    Clock::time_point deadline = Clock::time_point::max();  // max: disarmed
    // The hang-up watch of a late deferred answer: to start at watch_at (max: started, or
    // none to start), for watched_request (set until the answer comes).
    Clock::time_point watch_at = Clock::time_point::max();
    std::shared_ptr<Cancellation> watched_request;
    bool timer_waiting = false;
    Clock::time_point timer_expiry;     // while timer_waiting
    std::uint64_t wait_generation = 0;  // which wait of the timer is the current one
  };

  Impl(ServerOptions server_options, Router server_router, logging::Logger& server_logger,
       metrics::Registry& metrics_registry);
  ~Impl();

  // ---- server.cpp: lifecycle ------------------------------------------------------------
  std::uint16_t start();
  void stop();
  void wait_for_shutdown_signal();
  asio::awaitable<void> accept_loop();
  void forget(Connection* connection);
  std::vector<std::shared_ptr<Connection>> live_connections();
  // Closes connections waiting for a request: all of them when stopping; only kept-alive
  // ones (that served a request already) to make room at the connection cap.
  void close_idle_connections(bool kept_alive_only);
  void run_io();
  // A strand for a connection (or the acceptor): serialises its handlers across the
  // network threads; with one thread, the io_context itself does, without a strand's
  // lock and queue on every operation.
  asio::any_io_executor connection_executor();
  LogFailure log_failure(std::string_view task) { return LogFailure{&logger_, task}; }
  // Waits until no job runs on the pools, until `deadline`; false when some still run.
  bool wait_for_jobs(Clock::time_point deadline);

  // Runs `job` on `pool`, counted as a running job, and resumes the calling coroutine on
  // its own executor with what the job returned.
  template <typename Result, typename Job>
  asio::awaitable<Result> run_on(asio::thread_pool& pool, Job job) {
    auto executor = pool.get_executor();
    auto counted = [this, job = std::move(job)]() mutable -> asio::awaitable<Result> {
      const RunningJob running(*this);
      co_return job();
    };
    co_return co_await asio::co_spawn(executor, std::move(counted), asio::use_awaitable);
  }

  // The same on the streamed handlers' pool: the job runs there, and the calling
  // coroutine resumes on its own executor with the result (or the job's exception).
  template <typename Result, typename Job>
  asio::awaitable<Result> run_on(detail::LifoPool& pool, Job job) {
    using Signature = void(std::exception_ptr, std::optional<Result>);
    std::optional<Result> result =
        co_await asio::async_initiate<decltype(asio::use_awaitable), Signature>(
            [this, &pool](auto handler, Job job) {
              pool.post([this, job = std::move(job), handler = std::move(handler)]() mutable {
                std::exception_ptr error;
                std::optional<Result> value;
                {
                  const RunningJob running(*this);
                  try {
                    value.emplace(job());
                  } catch (...) {
                    error = std::current_exception();
                  }
                }
                auto executor = asio::get_associated_executor(handler);
                asio::post(executor, [handler = std::move(handler), error,
                                      value = std::move(value)]() mutable {
                  std::move(handler)(error, std::move(value));
                });
              });
            },
            asio::use_awaitable, std::move(job));
    co_return std::move(*result);
  }

  // ---- connection.cpp: one connection ---------------------------------------------------
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
  asio::awaitable<bool> serve_parsed(Connection& connection, beast::flat_buffer& buffer,
                                     Clock::time_point started);
  asio::awaitable<bool> handle(Connection& connection, Request& request, Router::Match match,
                               bool keep_alive_requested, std::size_t bytes_in,
                               Clock::time_point started, const StreamParser* streamed_body);
  asio::awaitable<bool> refuse(Connection& connection, const bhttp::request_header<>& header,
                               const detail::Refusal& refusal, std::size_t bytes_in,
                               Clock::time_point started);
  asio::awaitable<bool> answer(Connection& connection, unsigned version, bool head, bool keep_alive,
                               Response& response, const TraceContext& trace,
                               detail::Outcome& outcome, Clock::time_point started);
  asio::awaitable<void> linger_then_close(Connection& connection) const;
  static bool finish_answer(Connection& connection, bool keep_alive);
  Request to_request(const bhttp::request_header<>& message, const Connection& connection) const;
  void complete_request(Request& request, const Connection& connection) const;
  // At most this many fields in a request read without Beast (more: Beast reads it).
  static constexpr std::size_t kPlainFields = 64;
  std::optional<Request> plain_request(const detail::PlainRequestHead& head,
                                       std::string_view head_bytes,
                                       const Connection& connection) const;
  asio::awaitable<std::optional<bool>> serve_plain(Connection& connection,
                                                   beast::flat_buffer& buffer,
                                                   Clock::time_point started);
  detail::Refusal refusal_for(const error_code& ec, bool timed_out,
                              const bhttp::request_header<>& partial) const;
  static void set_header_fields(bhttp::response_header<>& message, const Response& response,
                                const TraceContext& trace);
  static std::string response_head(unsigned version, const Response& response,
                                   const TraceContext& trace,
                                   std::optional<std::uint64_t> content_length, bool keep_alive);
  static bool is_own_field(std::string_view name);
  static bool client_went_away(const error_code& ec);
  // The client closed its side (an orderly close, not a reset) before the body was whole:
  // an incomplete message, answered 400, which a client that only half-closed can read.
  // Not when `socket` is closed: an end read after stop() closed it is the server's doing.
  static bool body_cut_short(const tcp::socket& socket, const error_code& ec);
  static std::string cut_short_detail(std::optional<std::uint64_t> content_length,
                                      std::optional<std::uint64_t> remaining);
  template <class Parser>
  static std::string cut_short_detail(const Parser& parser) {
    const auto length = parser.content_length();
    const auto remaining = parser.content_length_remaining();
    return cut_short_detail(length ? std::optional<std::uint64_t>(*length) : std::nullopt,
                            remaining ? std::optional<std::uint64_t>(*remaining) : std::nullopt);
  }

  // ---- streaming.cpp: streamed bodies ---------------------------------------------------
  class StreamedBody;
  enum class BodyDeadline { kPiece, kRate, kTotal };
  asio::awaitable<bool> serve_streamed(Connection& connection, beast::flat_buffer& buffer,
                                       HeaderParser& header_parser, Request& request,
                                       Router::Match match, std::size_t bytes_in,
                                       Clock::time_point started);
  asio::awaitable<Piece> read_body_piece(StreamedBody& body, std::span<char> out,
                                         Clock::time_point deadline, BodyDeadline reason);
  asio::awaitable<bool> answer_streamed(Connection& connection, unsigned version, bool head,
                                        bool keep_alive, Response& response,
                                        const TraceContext& trace, detail::Outcome& outcome,
                                        Clock::time_point started);
  asio::awaitable<bool> send_file(Connection& connection, BodySource::FileRange file,
                                  std::uint64_t size, std::uint64_t& sent);
  asio::awaitable<bool> send_source(Connection& connection, BodySource& source,
                                    std::optional<std::uint64_t> size, bool chunked,
                                    std::uint64_t& sent, const TraceContext& trace);

  // ---- deferred.cpp: deferred answers ---------------------------------------------------
  // Responders may outlive the server: they post to the io_context only while it is
  // open. ~Impl closes it before the io_context is destroyed.
  struct PostGate {
    std::mutex mutex;
    bool open = true;
  };
  class ResponderState;
  class DeferredWait;
  // Resumes a deferred request's coroutine, if it waits (on the connection's strand).
  static void wake(DeferredAnswer& answer);
  asio::awaitable<Response> answer_later(Connection& connection, const Route& route,
                                         Request& request);
  static void watch_for_hang_up(Connection& connection, std::shared_ptr<Cancellation> cancellation);

  // ---- state ------------------------------------------------------------------------------
  // Counts a job running on one of the pools, for the shutdown's deadline on them.
  class RunningJob {
   public:
    explicit RunningJob(Impl& impl);
    ~RunningJob();
    RunningJob(const RunningJob&) = delete;
    RunningJob& operator=(const RunningJob&) = delete;

   private:
    Impl& impl_;
  };
  struct InFlight {
    explicit InFlight(metrics::Gauge& g) : gauge(g) { gauge.inc(); }
    ~InFlight() { gauge.dec(); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    metrics::Gauge& gauge;
  };

  ServerOptions options_;
  Router router_;
  logging::Logger& logger_;
  metrics::Registry& registry_;
  detail::Dispatcher dispatcher_;
  detail::AccessLog access_log_;
  metrics::Gauge& in_flight_;
  metrics::Counter& connections_total_;
  metrics::Counter& accept_paused_total_;
  metrics::Counter& streams_refused_total_;
  metrics::Counter& bodies_too_slow_total_;

  std::mutex lifecycle_mutex_;
  asio::io_context signal_context_{1};
  std::optional<asio::signal_set> signals_;
  std::atomic<int> received_signal_{0};
  // Set while wait_for_shutdown_signal() runs the stop: the signal context then watches
  // for a second signal and must not be stopped by stop().
  std::atomic<bool> stopping_on_signal_{false};
  bool started_ = false;
  bool stopped_ = false;
  // Set when handlers outlived the worker deadline at stop: their threads and everything
  // they use are left alone (leaked) for the process to end.
  bool abandoned_ = false;
  std::atomic<bool> draining_{false};
  // Set by stop() before it closes the idle connections: a connection turning idle later
  // closes itself.
  std::atomic<bool> idle_connections_closed_{false};
  std::atomic<std::uint16_t> port_{0};

  std::mutex connections_mutex_;
  std::condition_variable connections_drained_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
  // Shared with the http_connections_open gauge: the registry may be scraped after the
  // server is gone.
  std::shared_ptr<std::atomic<std::size_t>> open_connections_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  std::atomic<std::size_t> streams_in_use_{0};

  std::mutex jobs_mutex_;
  std::condition_variable jobs_done_;
  std::size_t jobs_running_ = 0;

  std::shared_ptr<PostGate> post_gate_ = std::make_shared<PostGate>();
  std::unique_ptr<asio::thread_pool> workers_;
  std::unique_ptr<detail::LifoPool> stream_workers_;  // only when a route is streamed
  std::vector<std::thread> io_threads_;
  // Declared after everything the connections use: destroying the io_context destroys
  // the coroutine frames a forced stop left behind, and with them their connections (a
  // loop shared with clients drops them when the stop gives up, see stop()).
  std::shared_ptr<EventLoop> loop_;
  EventLoop::State::Context& ioc_;
  std::optional<tcp::acceptor> acceptor_;
  // Waited on by the accept loop while open connections are at the cap; cancelled when
  // one closes.
  std::optional<asio::steady_timer> accept_gate_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard_;
};

}  // namespace platform::http
