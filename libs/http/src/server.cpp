// The Beast/Asio server. Reads top-down: helpers for ids and headers, then per
// connection the read -> handle -> write loop (Impl::serve and Impl::serve_one), then
// accepting, starting and stopping.
//
// Threads: `io_threads` run the io_context; every connection lives on its own strand, so
// its socket, timer and flags are only touched from one thread at a time. Handlers of
// kWorkerPool routes run on a thread pool while the connection's coroutine waits without
// holding an io thread. Deferred routes (Router::add_async) also start on the pool, then
// the coroutine waits, holding no thread at all, until their Responder posts the answer
// to the connection's strand.
#include "platform/http/server.h"

#include <sys/sendfile.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <exception>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "platform/core/strings.h"
#include "platform/core/uuid.h"

namespace platform::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using BeastRequest = bhttp::request<bhttp::string_body>;
using StreamParser = bhttp::request_parser<bhttp::buffer_body>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Beast's own header limit only guards memory; our 414 and 431 checks run on the parsed
// header, so the parser's limit is generous enough to let them see it.
constexpr std::size_t kMinParserHeaderLimit = std::size_t{64} * 1024;
// After an error answer the client may still be sending (a 413 body): read and discard
// for a moment before closing, or the kernel answers the unread bytes with a reset that
// can destroy our answer in the client's receive buffer.
constexpr std::chrono::milliseconds kMaxLinger{1000};
constexpr std::size_t kMaxLingerBytes = std::size_t{1024} * 1024;
constexpr std::size_t kReadChunk = 4096;
// How often a timed-out operation is cancelled again: a composed Beast read can start a
// new socket read right after our cancel, which the next tick then catches.
constexpr std::chrono::milliseconds kRecancelInterval{50};
constexpr std::string_view kUnmatchedRoute = "unmatched";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::chrono::milliseconds kStopPollInterval{100};

// Why the server answers a request itself, before any route sees it.
struct Refusal {
  int status;
  std::string detail;
};

bool is_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_lower_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_all_zero(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

struct ParentTrace {
  std::string trace_id;
  std::string span_id;
  bool sampled = false;
};

// W3C Trace Context: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>". Later
// versions may append fields after a '-', which we ignore as the spec asks.
std::optional<ParentTrace> parse_traceparent(std::string_view text) {
  text = core::trim(text);
  if (text.size() < 55) return std::nullopt;
  const std::string_view version = text.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" && text.size() != 55) return std::nullopt;
  if (text.size() > 55 && text[55] != '-') return std::nullopt;
  if (text[2] != '-' || text[35] != '-' || text[52] != '-') return std::nullopt;
  const std::string_view trace_id = text.substr(3, 32);
  const std::string_view span_id = text.substr(36, 16);
  const std::string_view flags = text.substr(53, 2);
  if (!is_lower_hex(trace_id) || !is_lower_hex(span_id) || !is_lower_hex(flags)) {
    return std::nullopt;
  }
  if (is_all_zero(trace_id) || is_all_zero(span_id)) return std::nullopt;
  const int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return ParentTrace{std::string(trace_id), std::string(span_id), (flag_bits & 1) != 0};
}

// Trace and span ids need randomness, not cryptographic strength.
std::string random_hex_id(std::size_t bytes) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.clear();
    while (out.size() < bytes * 2) {
      std::uint64_t bits = engine();
      for (int i = 0; i < 16 && out.size() < bytes * 2; ++i, bits >>= 4) {
        out.push_back(kDigits[bits & 0xf]);
      }
    }
  } while (is_all_zero(out));
  return out;
}

TraceContext make_trace(std::string_view request_id, std::string_view traceparent) {
  TraceContext trace;
  trace.request_id =
      is_request_id(request_id) ? std::string(request_id) : core::Uuid::v4().to_string();
  if (auto parent = parse_traceparent(traceparent)) {
    trace.trace_id = std::move(parent->trace_id);
    trace.parent_span_id = std::move(parent->span_id);
    trace.sampled = parent->sampled;
  } else {
    trace.trace_id = random_hex_id(16);
  }
  trace.span_id = random_hex_id(8);
  return trace;
}

// Metric label for the method: clients choose the method token, so anything unusual is
// folded into one value to keep the label set bounded.
std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (const auto known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[40];
  const std::size_t size = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(buffer, size);
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

bool status_has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// The completion handler of every co_spawn: `detached` would swallow the exception.
struct LogFailure {
  logging::Logger* logger;
  std::string_view task;

  void operator()(const std::exception_ptr& failure) const {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      logger->error("task failed", {{"task", task}, {"error", error.what()}});
    } catch (...) {
      logger->error("task failed", {{"task", task}, {"error", "unknown exception"}});
    }
  }
};

// Everything the access log line and the metrics need about one exchange.
// The outcome of reading one piece of a body on another thread. (A coroutine's result
// crossing co_spawn must be default-constructible, which Result is not.)
struct Piece {
  std::size_t size = 0;
  std::optional<core::Error> error;

  static Piece from(core::Result<std::size_t> result) {
    if (!result) return Piece{.error = std::move(result).error()};
    return Piece{.size = *result};
  }
  core::Result<std::size_t> result() && {
    if (error) return std::move(*error);
    return size;
  }
};

struct Outcome {
  std::string method;
  std::string route;  // the template, or "unmatched"
  std::string path;
  int status = 0;
  std::size_t bytes_in = 0;
  std::size_t bytes_out = 0;
};

}  // namespace

struct Server::Impl {
  // One accepted socket. Its members are only touched on its strand (the socket's
  // executor), except `impl`, which outlives every connection.
  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(Impl& owner, tcp::socket s)
        : impl(owner), socket(std::move(s)), timer(socket.get_executor()) {
      error_code ec;
      const auto endpoint = socket.remote_endpoint(ec);
      if (!ec) remote_address = endpoint.address().to_string();
    }
    ~Connection() { impl.forget(this); }

    // Starts the deadline for the next operations: when it passes, `timed_out` is set and
    // pending socket operations are cancelled (not closed: we may still answer 408).
    void arm(std::chrono::milliseconds timeout) {
      timed_out = false;
      const auto generation = ++deadline_generation;
      timer.expires_after(timeout);
      wait_for_deadline(generation);
    }
    void disarm() {
      ++deadline_generation;
      timer.cancel();
    }
    void wait_for_deadline(std::uint64_t generation) {
      timer.async_wait([self = shared_from_this(), generation](error_code ec) {
        if (ec || generation != self->deadline_generation) return;
        self->timed_out = true;
        error_code ignored;
        self->socket.cancel(ignored);
        self->timer.expires_after(kRecancelInterval);
        self->wait_for_deadline(generation);
      });
    }
    void close() {
      disarm();
      if (deferred_wait != nullptr) deferred_wait->cancel();  // gives up on the answer
      error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }

    Impl& impl;
    tcp::socket socket;
    asio::steady_timer timer;
    std::string remote_address;
    bool idle = true;  // waiting for the first byte of a request
    bool timed_out = false;
    std::uint64_t deadline_generation = 0;
    // While a deferred request waits for its answer: the timer it waits on.
    asio::steady_timer* deferred_wait = nullptr;
  };

  // ---- deferred answers (Router::add_async) ---------------------------------------
  //
  // The coroutine waits on a timer that never expires; the Responder posts the answer to
  // the connection's strand, stores it there and cancels the timer, which wakes it.

  // Responders may outlive the server: they post to the io_context only while it is
  // open. ~Impl closes it before the io_context is destroyed.
  struct PostGate {
    std::mutex mutex;
    bool open = true;
  };

  // One deferred request's answer; only touched on its connection's strand.
  struct DeferredAnswer {
    bool arrived = false;
    std::optional<Response> response;    // nullopt when arrived: the Responder was dropped
    asio::steady_timer* wake = nullptr;  // while the coroutine waits for the answer
  };

  // Shared by every copy of one Responder: delivers the first answer, from any thread,
  // or a "dropped" one when the last copy goes away unanswered.
  class ResponderState {
   public:
    ResponderState(std::weak_ptr<Connection> connection, std::shared_ptr<PostGate> gate,
                   std::shared_ptr<DeferredAnswer> answer)
        : connection_(std::move(connection)), gate_(std::move(gate)), answer_(std::move(answer)) {}
    ~ResponderState() {
      try {
        deliver(std::nullopt);  // no-op once answered
      } catch (...) {           // out of memory: the request waits for stop()
      }
    }
    ResponderState(const ResponderState&) = delete;
    ResponderState& operator=(const ResponderState&) = delete;

    void deliver(std::optional<Response> response) {
      if (answered_.exchange(true)) return;
      std::lock_guard lock(gate_->mutex);
      if (!gate_->open) return;  // the server is gone
      auto connection = connection_.lock();
      if (!connection) return;  // closed: the client went away or stop() gave up
      // The connection travels with the answer, so it dies on its strand at the latest.
      const auto strand = connection->socket.get_executor();
      asio::post(strand, [connection = std::move(connection), answer = answer_,
                          response = std::move(response)]() mutable {
        answer->arrived = true;
        answer->response = std::move(response);
        if (answer->wake != nullptr) answer->wake->cancel();
      });
    }

   private:
    std::weak_ptr<Connection> connection_;
    std::shared_ptr<PostGate> gate_;
    std::shared_ptr<DeferredAnswer> answer_;
    std::atomic<bool> answered_{false};
  };

  // Points the connection and the answer at the timer a deferred request waits on, for as
  // long as the timer exists (even when a forced stop destroys the coroutine frame).
  class DeferredWait {
   public:
    DeferredWait(Connection& connection, DeferredAnswer& answer, asio::steady_timer& wake)
        : connection_(connection), answer_(answer) {
      connection_.deferred_wait = &wake;
      answer_.wake = &wake;
    }
    ~DeferredWait() {
      connection_.deferred_wait = nullptr;
      answer_.wake = nullptr;
    }
    DeferredWait(const DeferredWait&) = delete;
    DeferredWait& operator=(const DeferredWait&) = delete;

   private:
    Connection& connection_;
    DeferredAnswer& answer_;
  };

  Impl(ServerOptions server_options, Router server_router, logging::Logger& server_logger,
       metrics::Registry& metrics_registry)
      : options(std::move(server_options)),
        router(std::move(server_router)),
        logger(server_logger),
        registry(metrics_registry),
        in_flight(registry.gauge("http_requests_in_flight", "HTTP requests being served.")),
        connections_total(registry.counter("http_connections_total", "HTTP connections accepted.")),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))),
        ioc(std::max(1, options.io_threads)) {}

  ~Impl() {
    stop();
    std::lock_guard lock(post_gate->mutex);
    post_gate->open = false;
  }

  // ---- one connection -------------------------------------------------------------

  asio::awaitable<void> serve(std::shared_ptr<Connection> connection) {
    beast::flat_buffer buffer;
    for (;;) {
      connection->idle = true;
      if (draining.load()) break;
      if (buffer.size() == 0) {
        connection->arm(options.idle_timeout);
        auto [ec, n] =
            co_await connection->socket.async_read_some(buffer.prepare(kReadChunk), kUseTuple);
        connection->disarm();
        if (ec) break;  // idle timeout, the client left, or stop() closed us
        buffer.commit(n);
      }
      // stop() may have closed this idle connection after the bytes arrived but before
      // this resumed: then the request must not run, or it would be carried out with no
      // way left to answer it. Past this point (same strand) stop() sees us busy.
      if (!connection->socket.is_open()) break;
      connection->idle = false;
      const bool keep_open = co_await serve_one(*connection, buffer);
      if (!keep_open) break;
    }
    connection->close();
  }

  // Reads, handles and answers one request. Returns whether the connection stays open.
  //
  // g++ 12 miscompiles some co_await expressions that hold non-trivial temporaries
  // (strings, executors, a ?: around co_await), so every co_await below takes named
  // values only.
  asio::awaitable<bool> serve_one(Connection& connection, beast::flat_buffer& buffer) {
    const auto started = Clock::now();
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::max(kMinParserHeaderLimit, options.max_url_bytes + options.max_header_bytes + 1024)));
    // The body's limit depends on the route, known once the header is: Beast would
    // refuse a Content-Length over the limit while reading the header.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    std::optional<Refusal> refusal;

    connection.arm(options.read_timeout);
    auto [header_ec, header_bytes] =
        co_await bhttp::async_read_header(connection.socket, buffer, parser, kUseTuple);
    std::size_t bytes_in = header_bytes;
    if (header_ec) {
      connection.disarm();
      if (!connection.timed_out && client_went_away(header_ec)) co_return false;
      refusal = refusal_for(header_ec, connection.timed_out, parser.get());
    } else {
      refusal = check_header_limits(parser.get());
    }
    if (!refusal && (parser.get().target().empty() || parser.get().target().front() != '/')) {
      refusal = Refusal{400, "the request target must be a path starting with '/'"};
    }
    if (refusal) {
      const BeastRequest& partial = parser.get();
      co_return co_await answer_error(connection, partial, *refusal, bytes_in, started);
    }

    const std::string_view target = parser.get().target();
    auto match = router.match(parser.get().method_string(), target.substr(0, target.find('?')));
    if (match.kind == Router::Match::Kind::kFound && match.route->body == RequestBody::kStreamed) {
      connection.disarm();
      co_return co_await serve_streamed(connection, buffer, parser, std::move(match), bytes_in,
                                        started);
    }

    // A buffered body must fit the limit: a declared length is checked now, a chunked
    // body while it is read.
    parser.body_limit(options.max_body_bytes);
    if (const auto length = parser.content_length(); length && *length > options.max_body_bytes) {
      connection.disarm();
      const Refusal too_large = refusal_for(bhttp::error::body_limit, false, parser.get());
      co_return co_await answer_error(connection, parser.get(), too_large, bytes_in, started);
    }
    if (!parser.is_done()) {
      if (core::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        const auto interim = asio::buffer(kContinue.data(), kContinue.size());
        auto [continue_ec, continue_bytes] =
            co_await asio::async_write(connection.socket, interim, kUseTuple);
        if (continue_ec) {
          connection.disarm();
          co_return false;
        }
      }
      auto [body_ec, body_bytes] =
          co_await bhttp::async_read(connection.socket, buffer, parser, kUseTuple);
      bytes_in += body_bytes;
      if (body_ec) {
        connection.disarm();
        if (!connection.timed_out && client_went_away(body_ec)) co_return false;
        refusal = refusal_for(body_ec, connection.timed_out, parser.get());
      }
    }
    connection.disarm();
    if (refusal) {
      const BeastRequest& partial = parser.get();
      co_return co_await answer_error(connection, partial, *refusal, bytes_in, started);
    }

    BeastRequest message = parser.release();
    Request request = to_request(message.base(), connection);
    request.body = std::move(message.body());
    const unsigned version = message.version();
    const bool keep_alive = message.keep_alive();
    co_return co_await handle(connection, request, std::move(match), version, keep_alive, bytes_in,
                              started);
  }

  // Routes and answers a request whose body, if any, was read (or is read by the handler).
  asio::awaitable<bool> handle(Connection& connection, Request& request, Router::Match match,
                               unsigned version, bool keep_alive_requested, std::size_t bytes_in,
                               Clock::time_point started,
                               const StreamParser* streamed_body = nullptr) {
    InFlight in_flight_guard(in_flight);
    Outcome outcome{.method = request.method,
                    .route = std::string(kUnmatchedRoute),
                    .path = request.path,
                    .bytes_in = bytes_in};
    Response response;
    if (match.kind == Router::Match::Kind::kNotFound) {
      response = Response::problem(404, "no route matches this path", request.path);
    } else if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
      response = Response::problem(405, "the method " + request.method + " is not allowed here",
                                   request.path);
      response.headers.set("Allow", join(match.allowed, ", "));
    } else {
      const Route& route = *match.route;
      request.route = route.pattern;
      request.path_params = std::move(match.params);
      outcome.route = route.pattern;
      if (route.async_handler) {
        response = co_await answer_later(connection, route, request);
      } else if (route.execution == Execution::kInline) {
        response = invoke(route, request);
      } else {
        auto executor = workers.get_executor();
        auto job = [this, &route, &request]() -> asio::awaitable<Response> {
          co_return invoke(route, request);
        };
        response = co_await asio::co_spawn(executor, std::move(job), asio::use_awaitable);
      }
    }
    if (request.body_reader != nullptr) {
      // Bytes the handler read count as received.
      outcome.bytes_in += static_cast<std::size_t>(request.body_reader->bytes_read());
      request.body_reader = nullptr;
    }

    const bool head = request.method == "HEAD";
    // A streamed body the handler left unread ends the connection.
    const bool body_complete = streamed_body == nullptr || streamed_body->is_done();
    const bool keep_alive = keep_alive_requested && body_complete && !draining.load();
    co_return co_await answer(connection, version, head, keep_alive, response, request.trace,
                              outcome, started);
  }

  // ---- streamed request bodies (Router::add_streamed) -----------------------------
  //
  // The handler runs on the worker pool and pulls the body through a BodyReader; each
  // read runs as a short coroutine on the connection's strand while the worker waits for
  // its future. The connection's own coroutine is suspended meanwhile, so the parser and
  // the buffer are only ever touched by one of them.

  class StreamedBody final : public BodyReader {
   public:
    StreamedBody(Impl& impl, Connection& connection, beast::flat_buffer& buffer,
                 StreamParser& parser)
        : impl_(impl), connection_(connection), buffer_(buffer), parser_(parser) {
      if (const auto length = parser_.content_length()) content_length_ = *length;
      expects_continue_ = core::iequals(parser_.get()[bhttp::field::expect], "100-continue");
    }

    core::Result<std::size_t> read(std::span<char> out) override {
      if (failure_) return *failure_;
      if (out.empty()) return std::size_t{0};
      const auto strand = connection_.socket.get_executor();
      auto future = asio::co_spawn(strand, impl_.read_body_piece(*this, out), asio::use_future);
      core::Result<std::size_t> result = core::Error::unavailable("the server is stopping");
      // A forced stop halts the io_context, after which the read never completes: then
      // give up rather than hold this worker (and the stop() joining it) forever.
      while (future.wait_for(kStopPollInterval) == std::future_status::timeout) {
        if (impl_.ioc.stopped()) {
          failure_ = result.error();
          return result;
        }
      }
      try {
        result = future.get().result();
      } catch (...) {
        // The read's coroutine was destroyed before it finished (the server is going).
      }
      if (!result) {
        failure_ = result.error();
      } else {
        bytes_read_ += *result;
      }
      return result;
    }
    std::optional<std::uint64_t> content_length() const override { return content_length_; }
    std::uint64_t bytes_read() const override { return bytes_read_; }

    Impl& impl_;
    Connection& connection_;
    beast::flat_buffer& buffer_;
    StreamParser& parser_;
    bool expects_continue_ = false;

   private:
    std::optional<std::uint64_t> content_length_;
    std::uint64_t bytes_read_ = 0;
    std::optional<core::Error> failure_;  // sticky: the stream is unusable after one
  };

  // One BodyReader::read on the connection's strand: at least one body byte, or the end.
  asio::awaitable<Piece> read_body_piece(StreamedBody& body, std::span<char> out) {
    Connection& connection = body.connection_;
    StreamParser& parser = body.parser_;
    if (parser.is_done()) co_return Piece{};
    if (!connection.socket.is_open()) {
      co_return Piece{.error = core::Error::unavailable("the connection was closed")};
    }
    connection.arm(options.read_timeout);
    if (body.expects_continue_) {
      body.expects_continue_ = false;
      const auto interim = asio::buffer(kContinue.data(), kContinue.size());
      auto [continue_ec, continue_bytes] =
          co_await asio::async_write(connection.socket, interim, kUseTuple);
      if (continue_ec) {
        connection.disarm();
        co_return Piece{
            .error = core::Error::unavailable("the client went away", continue_ec.message())};
      }
    }
    std::size_t filled = 0;
    while (filled == 0 && !parser.is_done()) {
      auto& target = parser.get().body();
      target.data = out.data();
      target.size = out.size();
      target.more = true;
      auto [ec, parsed] =
          co_await bhttp::async_read_some(connection.socket, body.buffer_, parser, kUseTuple);
      filled = out.size() - target.size;
      target.data = nullptr;
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        const bool timed_out = connection.timed_out;
        connection.disarm();
        if (timed_out) {
          co_return Piece{.error = core::Error(core::ErrorCode::kDeadlineExceeded,
                                               "no part of the request body arrived within " +
                                                   std::to_string(options.read_timeout.count()) +
                                                   " ms")};
        }
        if (client_went_away(ec)) {
          co_return Piece{.error = core::Error::unavailable(
                              "the client went away before the body was complete", ec.message())};
        }
        co_return Piece{.error = core::Error::malformed("malformed request body: " + ec.message())};
      }
    }
    connection.disarm();
    co_return Piece{.size = filled};
  }

  asio::awaitable<bool> serve_streamed(Connection& connection, beast::flat_buffer& buffer,
                                       bhttp::request_parser<bhttp::string_body>& header_parser,
                                       Router::Match match, std::size_t bytes_in,
                                       Clock::time_point started) {
    // A streamed route's handler enforces its own limit.
    StreamParser parser(std::move(header_parser));  // the header moves over; no body yet
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    Request request = to_request(parser.get().base(), connection);
    StreamedBody body(*this, connection, buffer, parser);
    request.body_reader = &body;
    const unsigned version = parser.get().version();
    const bool keep_alive = parser.get().keep_alive();
    const bool kept = co_await handle(connection, request, std::move(match), version, keep_alive,
                                      bytes_in, started, &parser);
    // Bytes the handler left unread sit between us and the next request: close, after
    // letting the client read our answer (see linger_then_close).
    if (!parser.is_done()) {
      if (connection.socket.is_open()) co_await linger_then_close(connection);
      co_return false;
    }
    co_return kept;
  }

  // Runs a deferred route's handler on the worker pool, then waits on the connection's
  // strand, holding no thread, until its Responder answers or stop() gives up on the
  // connection. `request` outlives the handler's call.
  asio::awaitable<Response> answer_later(Connection& connection, const Route& route,
                                         Request& request) {
    auto answer = std::make_shared<DeferredAnswer>();
    asio::steady_timer wake(connection.socket.get_executor(),
                            asio::steady_timer::time_point::max());
    const DeferredWait registration(connection, *answer, wake);
    // Only the job and the Responders it hands out share `state` (a moved-from shared_ptr
    // is empty), so its destructor tells when the last Responder went away.
    auto state = std::make_shared<ResponderState>(connection.weak_from_this(), post_gate, answer);
    auto executor = workers.get_executor();
    auto job = [this, &route, &request, state = std::move(state)]() -> asio::awaitable<void> {
      const Responder respond = [state](Response response) { state->deliver(std::move(response)); };
      start_deferred(route, request, respond);
      co_return;
    };
    co_await asio::co_spawn(executor, std::move(job), asio::use_awaitable);
    while (!answer->arrived && connection.socket.is_open()) {
      // Cancelled by the answer or by close(); the error code tells nothing more.
      [[maybe_unused]] auto [wait_ec] = co_await wake.async_wait(kUseTuple);
    }
    if (!answer->arrived) {
      co_return Response::problem(503, "the server stopped before the handler answered",
                                  request.path);
    }
    if (!answer->response) {
      logger.error(request.trace.log_context(), "handler did not answer",
                   {{"route", route.pattern}});
      co_return Response::problem(500, "handler did not answer", request.path);
    }
    co_return std::move(*answer->response);
  }

  // Calls a deferred route's handler; anything it throws becomes a 500 (ignored when it
  // answered before throwing).
  void start_deferred(const Route& route, Request& request, const Responder& respond) {
    try {
      route.async_handler(request, respond);
    } catch (const std::exception& error) {
      logger.error(request.trace.log_context(), "handler threw an exception",
                   {{"route", route.pattern}, {"error", error.what()}});
      respond(Response::problem(core::Error::internal(error.what()), request));
    } catch (...) {
      logger.error(request.trace.log_context(), "handler threw an exception",
                   {{"route", route.pattern}, {"error", "unknown exception"}});
      respond(Response::problem(core::Error::internal("unknown exception"), request));
    }
  }

  // The answer to a failed read: timeout, limits, or malformed input.
  Refusal refusal_for(const error_code& ec, bool timed_out, const BeastRequest& partial) const {
    if (timed_out) return {408, "the request did not arrive within the read timeout"};
    if (ec == bhttp::error::header_limit) {
      // Beast consumes the request line as soon as it is whole: no target yet means the
      // request line alone went past the limit.
      if (partial.target().empty()) return {414, "the request target is too long"};
      return {431, "the request header fields are too large"};
    }
    if (ec == bhttp::error::body_limit) {
      return {413, "the request body exceeds the limit of " +
                       std::to_string(options.max_body_bytes) + " bytes"};
    }
    return {400, "malformed HTTP request: " + ec.message()};
  }

  std::optional<Refusal> check_header_limits(const BeastRequest& header) const {
    if (header.target().size() > options.max_url_bytes) {
      return Refusal{414, "the request target is too long"};
    }
    std::size_t field_bytes = 0;
    for (const auto& field : header) {
      field_bytes += field.name_string().size() + field.value().size() + 4;  // ": " and CRLF
    }
    if (field_bytes > options.max_header_bytes) {
      return Refusal{431, "the request header fields are too large"};
    }
    return std::nullopt;
  }

  // Runs the route's handler inside the middleware; anything it throws becomes a 500.
  Response invoke(const Route& route, Request& request) {
    try {
      return router.dispatch(route, request);
    } catch (const std::exception& error) {
      logger.error(request.trace.log_context(), "handler threw an exception",
                   {{"route", route.pattern}, {"error", error.what()}});
      return Response::problem(core::Error::internal(error.what()), request);
    } catch (...) {
      logger.error(request.trace.log_context(), "handler threw an exception",
                   {{"route", route.pattern}, {"error", "unknown exception"}});
      return Response::problem(core::Error::internal("unknown exception"), request);
    }
  }

  // Writes `response`, logs and counts the exchange. Returns whether to keep the
  // connection open.
  asio::awaitable<bool> answer(Connection& connection, unsigned version, bool head, bool keep_alive,
                               Response& response, const TraceContext& trace, Outcome& outcome,
                               Clock::time_point started) {
    if (response.status < 100 || response.status > 599) {
      logger.error(trace.log_context(), "handler returned an invalid status",
                   {{"route", outcome.route}, {"status", response.status}});
      response = Response::problem(500, "an unexpected error occurred", outcome.path);
    }
    outcome.status = response.status;
    if (response.body_source && status_has_body(response.status)) {
      co_return co_await answer_streamed(connection, version, head, keep_alive, response, trace,
                                         outcome, started);
    }
    bhttp::response<bhttp::string_body> message{static_cast<bhttp::status>(response.status),
                                                version};
    set_header_fields(message.base(), response, trace);
    if (status_has_body(response.status)) {
      message.content_length(response.body.size());
      if (!head) message.body() = std::move(response.body);
    }
    message.keep_alive(keep_alive);

    connection.arm(options.read_timeout);
    auto [ec, written] = co_await bhttp::async_write(connection.socket, message, kUseTuple);
    connection.disarm();
    outcome.bytes_out = written;
    record(outcome, trace, started);
    if (ec) co_return false;
    co_return finish_answer(connection, keep_alive);
  }

  // The response's own fields plus Date and X-Request-ID. The server owns framing.
  static void set_header_fields(bhttp::response_header<>& message, const Response& response,
                                const TraceContext& trace) {
    for (const auto& field : response.headers) {
      // A line break would let a value inject header lines.
      if (core::iequals(field.name, "Content-Length") ||
          core::iequals(field.name, "Transfer-Encoding") ||
          core::iequals(field.name, "Connection") || has_line_break(field.name) ||
          has_line_break(field.value) || field.name.empty()) {
        continue;
      }
      message.insert(field.name, field.value);
    }
    message.set(bhttp::field::date, http_date());
    message.set("X-Request-ID", trace.request_id);
  }

  bool finish_answer(Connection& connection, bool keep_alive) const {
    if (!keep_alive) {
      error_code ignored;
      connection.socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    return keep_alive;
  }

  // ---- streamed response bodies (Response::stream) --------------------------------

  static constexpr std::size_t kStreamChunk = std::size_t{256} * 1024;
  // One sendfile(2) call at most: keeps one large download from holding the io thread
  // for long while the socket keeps accepting.
  static constexpr std::size_t kSendfileChunk = std::size_t{4} * 1024 * 1024;

  asio::awaitable<bool> answer_streamed(Connection& connection, unsigned version, bool head,
                                        bool keep_alive, Response& response,
                                        const TraceContext& trace, Outcome& outcome,
                                        Clock::time_point started) {
    const std::shared_ptr<BodySource> source = std::move(response.body_source);
    const std::uint64_t size = source->size();
    bhttp::response<bhttp::empty_body> message{static_cast<bhttp::status>(response.status),
                                               version};
    set_header_fields(message.base(), response, trace);
    message.set(bhttp::field::content_length, std::to_string(size));
    message.keep_alive(keep_alive);
    bhttp::response_serializer<bhttp::empty_body> serializer(message);

    connection.arm(options.read_timeout);
    auto [header_ec, header_bytes] =
        co_await bhttp::async_write_header(connection.socket, serializer, kUseTuple);
    connection.disarm();
    outcome.bytes_out = header_bytes;
    bool complete = !header_ec;
    if (complete && !head && size > 0) {
      std::uint64_t sent = 0;
      const auto file = source->file_range();
      if (file) {
        complete = co_await send_file(connection, *file, size, sent);
      } else {
        complete = co_await send_source(connection, *source, size, sent, trace);
      }
      outcome.bytes_out += static_cast<std::size_t>(sent);
    }
    record(outcome, trace, started);
    // A body cut short cannot be repaired: closing tells the client it is incomplete.
    if (!complete) co_return false;
    co_return finish_answer(connection, keep_alive);
  }

  // Sends `size` bytes of an open file with sendfile(2): no copy through user space.
  asio::awaitable<bool> send_file(Connection& connection, BodySource::FileRange file,
                                  std::uint64_t size, std::uint64_t& sent) {
    error_code ec;
    connection.socket.native_non_blocking(true, ec);
    if (ec) co_return false;
    auto offset = static_cast<off_t>(file.offset);
    while (sent < size) {
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(size - sent, kSendfileChunk));
      const ssize_t n =
          ::sendfile(connection.socket.native_handle(), file.descriptor, &offset, want);
      if (n > 0) {
        sent += static_cast<std::uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        connection.arm(options.read_timeout);
        auto [wait_ec] = co_await connection.socket.async_wait(tcp::socket::wait_write, kUseTuple);
        connection.disarm();
        if (wait_ec) co_return false;
        continue;
      }
      // 0: the file is shorter than promised; or a socket error (the client left).
      if (n == 0) logger.error("file shorter than its response", {{"missing", size - sent}});
      co_return false;
    }
    co_return true;
  }

  // Copies `size` bytes from the source, read on the worker pool, to the socket.
  asio::awaitable<bool> send_source(Connection& connection, BodySource& source, std::uint64_t size,
                                    std::uint64_t& sent, const TraceContext& trace) {
    std::vector<char> chunk(static_cast<std::size_t>(std::min<std::uint64_t>(size, kStreamChunk)));
    while (sent < size) {
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(size - sent, chunk.size()));
      auto executor = workers.get_executor();
      auto job = [&source, &chunk, want]() -> asio::awaitable<Piece> {
        try {
          co_return Piece::from(source.read(std::span<char>(chunk.data(), want)));
        } catch (const std::exception& error) {
          co_return Piece{.error = core::Error::internal(error.what())};
        }
      };
      Piece piece = co_await asio::co_spawn(executor, std::move(job), asio::use_awaitable);
      core::Result<std::size_t> got = std::move(piece).result();
      if (!got || *got == 0 || *got > want) {
        logger.error(trace.log_context(), "response body source failed",
                     {{"error", got ? std::string("ended early") : got.error().log_detail()},
                      {"missing", size - sent}});
        co_return false;
      }
      const std::size_t length = *got;
      const auto bytes = asio::buffer(chunk.data(), length);
      connection.arm(options.read_timeout);
      auto [ec, written] = co_await asio::async_write(connection.socket, bytes, kUseTuple);
      connection.disarm();
      if (ec) co_return false;
      sent += written;
    }
    co_return true;
  }

  // Answers a request we refuse before routing (limits, timeouts, malformed input), then
  // closes: the rest of the stream cannot be trusted to start at a request boundary.
  asio::awaitable<bool> answer_error(Connection& connection, const BeastRequest& header,
                                     const Refusal& refusal, std::size_t bytes_in,
                                     Clock::time_point started) {
    InFlight in_flight_guard(in_flight);
    const auto trace = make_trace(header["X-Request-ID"], header["traceparent"]);
    std::string path(header.target().substr(0, header.target().find('?')));
    if (path.size() > 256) path = path.substr(0, 256) + "...";
    if (path.empty()) path = "/";
    Outcome outcome{.method = std::string(header.method_string()),
                    .route = std::string(kUnmatchedRoute),
                    .path = path,
                    .bytes_in = bytes_in};
    if (outcome.method.empty()) outcome.method = "-";
    const bool head = header.method() == bhttp::verb::head;
    const unsigned version = header.version() == 10 ? 10 : 11;
    const bool keep_alive = false;
    Response problem = Response::problem(refusal.status, refusal.detail, path);
    co_await answer(connection, version, head, keep_alive, problem, trace, outcome, started);
    co_await linger_then_close(connection);
    co_return false;
  }

  asio::awaitable<void> linger_then_close(Connection& connection) const {
    error_code ignored;
    connection.socket.shutdown(tcp::socket::shutdown_send, ignored);
    connection.arm(std::min(options.read_timeout, kMaxLinger));
    std::array<char, 8192> scratch;
    std::size_t discarded = 0;
    while (!connection.timed_out && discarded < kMaxLingerBytes) {
      auto [ec, n] = co_await connection.socket.async_read_some(asio::buffer(scratch), kUseTuple);
      if (ec) break;
      discarded += n;
    }
    connection.close();
  }

  static bool client_went_away(const error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
           ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::operation_aborted || ec == asio::error::broken_pipe ||
           ec == asio::error::bad_descriptor;
  }

  Request to_request(const bhttp::request_header<>& message, const Connection& connection) {
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const auto question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    for (const auto& field : message) request.headers.add(field.name_string(), field.value());
    request.remote_address = connection.remote_address;
    request.trace = make_trace(message["X-Request-ID"], message["traceparent"]);
    return request;
  }

  // ---- access log and metrics -----------------------------------------------------

  struct InFlight {
    explicit InFlight(metrics::Gauge& g) : gauge(g) { gauge.inc(); }
    ~InFlight() { gauge.dec(); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    metrics::Gauge& gauge;
  };

  void record(const Outcome& outcome, const TraceContext& trace, Clock::time_point started) {
    const std::chrono::duration<double> elapsed = Clock::now() - started;
    const std::string_view method = method_label(outcome.method);
    // Metrics first: whoever sees the access line can rely on the metrics being there.
    request_counter(method, outcome.route, outcome.status).inc();
    duration_histogram(method, outcome.route).observe(elapsed.count());
    logger.info(trace.log_context(), "request",
                {{"method", outcome.method},
                 {"route", outcome.route},
                 {"path", outcome.path},
                 {"status", outcome.status},
                 {"duration_ms", elapsed.count() * 1000.0},
                 {"bytes_in", outcome.bytes_in},
                 {"bytes_out", outcome.bytes_out}});
  }

  // Registry lookups lock the registry; the hot path looks in a read-mostly cache first.
  metrics::Counter& request_counter(std::string_view method, const std::string& route, int status) {
    std::string key;
    key.append(method).append(1, '\0').append(route).append(1, '\0').append(std::to_string(status));
    {
      std::shared_lock lock(metrics_mutex);
      if (auto found = counters.find(key); found != counters.end()) return *found->second;
    }
    auto& counter = registry.counter(
        "http_requests_total", "HTTP requests answered.",
        {{"method", std::string(method)}, {"route", route}, {"status", std::to_string(status)}});
    std::unique_lock lock(metrics_mutex);
    counters.emplace(std::move(key), &counter);
    return counter;
  }

  metrics::Histogram& duration_histogram(std::string_view method, const std::string& route) {
    std::string key;
    key.append(method).append(1, '\0').append(route);
    {
      std::shared_lock lock(metrics_mutex);
      if (auto found = histograms.find(key); found != histograms.end()) return *found->second;
    }
    auto& histogram =
        registry.histogram("http_request_duration_seconds", "Time to answer HTTP requests.",
                           {{"method", std::string(method)}, {"route", route}});
    std::unique_lock lock(metrics_mutex);
    histograms.emplace(std::move(key), &histogram);
    return histogram;
  }

  // ---- accepting, starting, stopping ----------------------------------------------

  asio::awaitable<void> accept_loop() {
    for (;;) {
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

  LogFailure log_failure(std::string_view task) { return LogFailure{&logger, task}; }

  void forget(Connection* connection) {
    std::lock_guard lock(connections_mutex);
    connections.erase(connection);
    if (connections.empty()) connections_drained.notify_all();
  }

  std::vector<std::shared_ptr<Connection>> live_connections() {
    std::vector<std::shared_ptr<Connection>> live;
    std::lock_guard lock(connections_mutex);
    for (const auto& [pointer, weak] : connections) {
      if (auto connection = weak.lock()) live.push_back(std::move(connection));
    }
    return live;
  }

  std::uint16_t start() {
    std::lock_guard lock(lifecycle_mutex);
    if (started) throw std::logic_error("Server::start called twice");
    // A client that closes its connection during a sendfile(2) would otherwise kill the
    // process with SIGPIPE (Asio's own writes pass MSG_NOSIGNAL; sendfile cannot). A
    // write to a closed peer must be an error code, never a signal, in any server.
    std::signal(SIGPIPE, SIG_IGN);
    tcp::resolver resolver(ioc);
    const auto endpoints =
        resolver.resolve(options.host, std::to_string(options.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service);
    const tcp::endpoint endpoint = *endpoints.begin();
    acceptor.emplace(asio::make_strand(ioc));
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
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

  void run_io() {
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

  void stop() {
    std::lock_guard lock(lifecycle_mutex);
    if (!started || stopped) return;
    stopped = true;
    draining.store(true);
    signal_context.stop();  // wakes wait_for_shutdown_signal() when stop() came first
    const auto deadline = Clock::now() + options.shutdown_timeout;

    asio::post(acceptor->get_executor(), [this] {
      error_code ignored;
      acceptor->close(ignored);
    });
    // Idle connections close now; busy ones answer with `Connection: close` and end.
    for (auto& connection : live_connections()) {
      const auto executor = connection->socket.get_executor();
      asio::post(executor, [connection] {
        if (connection->idle) connection->close();
      });
    }
    // Lets the service answer its pending deferred requests now.
    if (options.on_shutdown) {
      try {
        options.on_shutdown();
      } catch (const std::exception& error) {
        logger.error("on_shutdown threw an exception", {{"error", error.what()}});
      } catch (...) {
        logger.error("on_shutdown threw an exception", {{"error", "unknown exception"}});
      }
    }
    bool drained = false;
    {
      std::unique_lock wait_lock(connections_mutex);
      drained = connections_drained.wait_until(wait_lock, deadline,
                                               [this] { return connections.empty(); });
    }
    if (!drained) {
      const auto left = live_connections();
      logger.warn("shutdown timeout passed; closing connections", {{"connections", left.size()}});
      // Close them on their strands and wait (briefly) until that happened, so that
      // the clients see the close now rather than when the server object is destroyed.
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
    // A connection still waiting for a worker-pool handler keeps the io_context busy;
    // after the deadline we stop waiting for it.
    if (!drained) ioc.stop();
    for (auto& thread : io_threads) thread.join();
    io_threads.clear();
    workers.join();
    logger.info("stopped", {{"port", port.load()}});
  }

  void wait_for_shutdown_signal() {
    signal_context.run();
    if (received_signal != 0) {
      logger.info("shutdown signal received", {{"signal", received_signal.load()}});
    }
    stop();
  }

  ServerOptions options;
  Router router;
  logging::Logger& logger;
  metrics::Registry& registry;
  metrics::Gauge& in_flight;
  metrics::Counter& connections_total;
  std::shared_mutex metrics_mutex;
  std::unordered_map<std::string, metrics::Counter*> counters;
  std::unordered_map<std::string, metrics::Histogram*> histograms;

  std::mutex lifecycle_mutex;
  asio::io_context signal_context{1};
  std::optional<asio::signal_set> signals;
  std::atomic<int> received_signal{0};
  bool started = false;
  bool stopped = false;
  std::atomic<bool> draining{false};
  std::atomic<std::uint16_t> port{0};

  std::mutex connections_mutex;
  std::condition_variable connections_drained;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;

  std::shared_ptr<PostGate> post_gate = std::make_shared<PostGate>();
  asio::thread_pool workers;
  std::vector<std::thread> io_threads;
  // Declared after everything the connections use: destroying the io_context destroys
  // the coroutine frames a forced stop left behind, and with them their connections.
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard;
};

Server::Server(ServerOptions options, Router router, logging::Logger& logger,
               metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), logger, registry)) {}

Server::~Server() = default;

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
