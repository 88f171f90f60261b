// One connection: read a request header, check it, route it, read a buffered body, let
// the handler answer, write the answer; again while the connection is kept alive. Every
// step has a deadline (the connection's timer). See impl.h for the map of the files.
#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>
#include <cassert>
#include <ctime>
#include <limits>

#include "../beast_fields.h"
#include "../field_text.h"
#include "../trace.h"
#include "impl.h"
#include "platform/core/strings.h"

namespace platform::http {
namespace {

// Beast's own header limit only guards memory; our 414 and 431 checks run on the parsed
// header, so the parser's limit is generous enough to let them see it.
constexpr std::size_t kMinParserHeaderLimit = std::size_t{64} * 1024;
constexpr std::size_t kReadChunk = 4096;
// How often a timed-out operation is cancelled again: a composed Beast read can start a
// new socket read right after our cancel, which the next tick then catches.
constexpr std::chrono::milliseconds kRecancelInterval{50};
// The connection's timer waits at most read_timeout at a time, but never less than this
// (a read_timeout of 0 would make it spin).
constexpr std::chrono::milliseconds kShortestWait{10};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A caller's time budget above a day is not a deadline anyone means.
constexpr std::int64_t kMaxRequestTimeoutMs = std::int64_t{24} * 3600 * 1000;

// Beast's header limit for a request: at least what our 414 and 431 checks need to see.
std::size_t parser_header_limit(const ServerOptions& options) {
  return std::max(kMinParserHeaderLimit, options.max_url_bytes + options.max_header_bytes + 1024);
}

// The Date field's value, formatted once a second per thread rather than per answer.
std::string_view http_date() {
  thread_local std::time_t formatted_at = -1;
  thread_local std::array<char, 40> buffer{};
  thread_local std::size_t size = 0;
  const std::time_t now = std::time(nullptr);
  if (now != formatted_at) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    size = std::strftime(buffer.data(), buffer.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    formatted_at = now;
  }
  return {buffer.data(), size};
}

bool status_has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

std::vector<detail::FieldView> field_views(const bhttp::request_header<>& header) {
  std::vector<detail::FieldView> fields;
  for (const auto& field : header) fields.push_back({field.name_string(), field.value()});
  return fields;
}

}  // namespace

// ---- the connection's deadline -------------------------------------------------------------

void Server::Impl::Connection::arm_until(Clock::time_point until) {
  timed_out = false;
  deadline = until;
  schedule();
}

void Server::Impl::Connection::disarm() {
  deadline = Clock::time_point::max();  // the waiting timer finds nothing to do
}

void Server::Impl::Connection::watch_for_hang_up_after(std::chrono::milliseconds delay,
                                                       std::shared_ptr<Cancellation> cancellation) {
  watched_request = std::move(cancellation);
  watch_at = Clock::now() + delay;
  schedule();
}

bool Server::Impl::Connection::end_hang_up_watch() {
  // A watched request whose watch is no longer to come: the timer started it.
  const bool started = watched_request != nullptr && watch_at == Clock::time_point::max();
  watch_at = Clock::time_point::max();
  watched_request.reset();
  return started;
}

void Server::Impl::Connection::schedule() {
  const auto needed = std::min(deadline, watch_at);
  if (needed == Clock::time_point::max()) return;
  if (timer_waiting && timer_expiry <= needed) return;  // it fires in time and waits on
  wait_until(std::min(needed, Clock::now() + std::max(impl.options_.read_timeout, kShortestWait)));
}

// (Re)starts the timer's wait; a wait it replaces completes as cancelled and is ignored.
void Server::Impl::Connection::wait_until(Clock::time_point expiry) {
  timer_expiry = expiry;
  timer_waiting = true;
  timer.expires_at(expiry);
  timer.async_wait([self = shared_from_this(), generation = ++wait_generation](error_code ec) {
    if (generation != self->wait_generation) return;
    self->timer_waiting = false;
    if (!ec) self->on_timer();
  });
}

void Server::Impl::Connection::on_timer() {
  if (!socket.is_open()) return;
  const auto now = Clock::now();
  if (watch_at <= now) {
    watch_at = Clock::time_point::max();
    impl.watch_for_hang_up(*this, watched_request);
  }
  if (deadline > now) return schedule();  // early: it waits on for what is left
  timed_out = true;
  error_code ignored;
  socket.cancel(ignored);
  // Until disarmed: a composed Beast read can start a new socket read right after the
  // cancel, which the next tick then catches.
  wait_until(now + kRecancelInterval);
}

void Server::Impl::Connection::close() {
  disarm();
  // The waiting timer holds the connection: let it go now, not at the timer's expiry.
  timer.cancel();
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  // A deferred request gives up on its answer (it sees the socket closed).
  if (const auto waiting = deferred.lock()) wake(*waiting);
}

// ---- the loop ------------------------------------------------------------------------------

asio::awaitable<void> Server::Impl::serve(std::shared_ptr<Connection> connection) {
  // What a connection holds unparsed is bounded: a header (the parser refuses one over
  // its limit), but also a chunk-size line or a trailer section, which Beast does not
  // bound, so a client could otherwise make us hold megabytes of one line.
  beast::flat_buffer buffer(parser_header_limit(options_) + kReadChunk);
  for (;;) {
    // While stopping, an answer carries `Connection: close` and handle() ends the loop;
    // a connection accepted during the drain delay still gets its first request served.
    connection->idle = true;
    if (buffer.size() == 0) {
      // stop() closed the connections idle when it looked; this one was busy then, with
      // an answer promised keep-alive before the stop began. Now idle, it closes too
      // rather than wait for the shutdown timeout.
      if (idle_connections_closed_.load()) break;
      // A new connection must start its request within read_timeout; a kept-alive one may
      // wait idle_timeout for the next.
      connection->arm(connection->requests_served == 0 ? options_.read_timeout
                                                       : options_.idle_timeout);
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
    // A plain head is served without Beast's parser; any other, by Beast's path, whose
    // large frame (the parser) is then made only for the requests that need it.
    const auto started = Clock::now();
    connection->arm(options_.read_timeout);
    bool keep_open = false;
    if (const std::optional<bool> served = co_await serve_plain(*connection, buffer, started)) {
      keep_open = *served;
    } else {
      keep_open = co_await serve_parsed(*connection, buffer, started);
    }
    ++connection->requests_served;
    if (!keep_open) break;
  }
  connection->close();
}

// A request read by Beast's parser: one whose head is not plain, or has a body (see
// serve_plain). The connection's read timeout is armed.
asio::awaitable<bool> Server::Impl::serve_parsed(Connection& connection, beast::flat_buffer& buffer,
                                                 Clock::time_point started) {
  HeaderParser parser;
  parser.header_limit(static_cast<std::uint32_t>(parser_header_limit(options_)));
  // The body's limit depends on the route, known once the header is: Beast would refuse
  // a Content-Length over the limit while reading the header.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());

  auto [header_ec, header_bytes] =
      co_await bhttp::async_read_header(connection.socket, buffer, parser, kUseTuple);
  std::size_t bytes_in = header_bytes;
  std::optional<detail::Refusal> refusal;
  if (header_ec) {
    connection.disarm();
    if (!connection.timed_out && client_went_away(header_ec)) co_return false;
    refusal = refusal_for(header_ec, connection.timed_out, parser.get());
  } else {
    const auto fields = field_views(parser.get());
    const std::string_view target = parser.get().target();
    refusal = detail::check_limits(
        target, fields,
        {.max_url_bytes = options_.max_url_bytes, .max_header_bytes = options_.max_header_bytes});
    if (!refusal && (target.empty() || target.front() != '/')) {
      refusal = detail::Refusal{.status = 400,
                                .detail = "the request target must be a path starting with '/'",
                                .headers = {}};
    }
    if (!refusal) refusal = detail::check_framing(parser.get().version(), fields);
  }
  if (refusal) {
    connection.disarm();
    co_return co_await refuse(connection, parser.get(), *refusal, bytes_in, started);
  }

  Request request = to_request(parser.get(), connection);
  Router::Match match = router_.match(request.method, request.path);
  if (match.kind == Router::Match::Kind::kFound && match.route->body == RequestBody::kStreamed) {
    connection.disarm();
    co_return co_await serve_streamed(connection, buffer, parser, request, std::move(match),
                                      bytes_in, started);
  }

  // A buffered body must fit the limit: a declared length is checked now (and answered
  // without reading it), a chunked body while it is read.
  parser.body_limit(options_.max_body_bytes);
  if (const auto length = parser.content_length(); length && *length > options_.max_body_bytes) {
    connection.disarm();
    const detail::Refusal too_large = refusal_for(bhttp::error::body_limit, false, parser.get());
    co_return co_await refuse(connection, parser.get(), too_large, bytes_in, started);
  }
  if (!parser.is_done()) {
    if (detail::expects_continue(parser.get().version(), parser.get()[bhttp::field::expect])) {
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
      if (!connection.timed_out && body_cut_short(connection.socket, body_ec)) {
        refusal = detail::Refusal{.status = 400, .detail = cut_short_detail(parser), .headers = {}};
        co_return co_await refuse(connection, parser.get(), *refusal, bytes_in, started);
      }
      if (!connection.timed_out && client_went_away(body_ec)) co_return false;
      refusal = refusal_for(body_ec, connection.timed_out, parser.get());
      co_return co_await refuse(connection, parser.get(), *refusal, bytes_in, started);
    }
  }
  connection.disarm();
  const bool keep_alive = parser.get().keep_alive();
  request.body = std::move(parser.get().body());
  co_return co_await handle(connection, request, std::move(match), keep_alive, bytes_in, started,
                            nullptr);
}

// A request without a body read without Beast when its head is plain (../plain_head.h):
// what most requests are (reads, deletes), whose parse by Beast cost more than the rest
// of the way to their handler. The served answer's keep-open, or nullopt when Beast's
// parser is to read the request, from the same buffer, which then holds the bytes read
// so far and nothing consumed: a head that is not plain, one the checks below refuse
// (Beast's path gives the refusal), a streamed route, or a read the timeout cut short
// (Beast's read is cut at the connection's next cancel: Connection::on_timer cancels
// until disarmed, as for a Beast read started between two of its own).
asio::awaitable<std::optional<bool>> Server::Impl::serve_plain(Connection& connection,
                                                               beast::flat_buffer& buffer,
                                                               Clock::time_point started) {
  const auto bytes = [&buffer] {
    return std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size());
  };
  // The buffer holds this much and a read chunk more (serve()).
  const std::size_t head_limit = parser_header_limit(options_);
  std::size_t head_size = 0;
  for (;;) {
    if (const auto end = bytes().find("\r\n\r\n"); end != std::string_view::npos) {
      if (end + 4 > head_limit) co_return std::nullopt;  // Beast decides
      head_size = end + 4;
      break;
    }
    if (buffer.size() >= head_limit || !detail::may_become_plain_request_head(bytes())) {
      co_return std::nullopt;
    }
    auto [ec, read] = co_await connection.socket.async_read_some(
        buffer.prepare(std::min(kReadChunk, head_limit - buffer.size())), kUseTuple);
    buffer.commit(read);
    if (ec) {
      // As Beast's path ends it; a timeout it answers (408), its read cancelled in turn.
      if (connection.timed_out || !client_went_away(ec)) co_return std::nullopt;
      connection.disarm();
      co_return false;
    }
  }
  const std::string_view head_bytes = bytes().substr(0, head_size);
  const auto head = detail::parse_plain_request_head(head_bytes);
  if (!head) co_return std::nullopt;
  const std::string_view path = head->target.substr(0, head->target.find('?'));
  Router::Match match = router_.match(head->method, path);
  if (match.kind == Router::Match::Kind::kFound && match.route->body == RequestBody::kStreamed) {
    co_return std::nullopt;
  }
  std::optional<Request> request = plain_request(*head, head_bytes, connection);
  if (!request) co_return std::nullopt;
  connection.disarm();
  buffer.consume(head_size);
  co_return co_await handle(connection, *request, std::move(match), head->keep_alive, head_size,
                            started, nullptr);
}

// The request of a plain head, its fields walked once; nullopt when it is left to Beast's
// path all the same: the checks that path runs on every request's header would refuse it
// (the path gives the refusal), or it has more fields than the list here holds. Not a
// coroutine: the list stays off the connection's coroutine frame.
std::optional<Request> Server::Impl::plain_request(const detail::PlainRequestHead& head,
                                                   std::string_view head_bytes,
                                                   const Connection& connection) const {
  std::array<detail::FieldView, kPlainFields> fields;
  if (head.field_count > fields.size()) return std::nullopt;  // Beast's path checks them
  std::size_t count = 0;
  detail::for_each_field(head_bytes, [&](std::string_view name, std::string_view value) {
    if (count < fields.size()) fields[count++] = {name, value};
  });
  const std::span<const detail::FieldView> field_list(fields.data(), count);
  if (detail::check_limits(
          head.target, field_list,
          {.max_url_bytes = options_.max_url_bytes, .max_header_bytes = options_.max_header_bytes})
          .has_value() ||
      detail::check_framing(head.version, field_list).has_value()) {
    return std::nullopt;
  }
  std::optional<Request> request(std::in_place);
  request->method = std::string(head.method);
  request->target = std::string(head.target);
  request->version = head.version;
  request->headers.reserve(head.field_count, head.field_bytes);
  for (const auto& field : field_list) request->headers.add(field.name, field.value);
  complete_request(*request, connection);
  return request;
}

// Routes and answers a request whose body, if any, was read (or is read by the handler).
asio::awaitable<bool> Server::Impl::handle(Connection& connection, Request& request,
                                           Router::Match match, bool keep_alive_requested,
                                           std::size_t bytes_in, Clock::time_point started,
                                           const StreamParser* streamed_body) {
  const InFlight in_flight_guard(in_flight_);
  detail::Outcome outcome{.method = request.method,
                          .route = detail::kUnmatchedRoute,
                          .path = request.path,
                          .status = 0,
                          .bytes_in = bytes_in,
                          .bytes_out = 0};
  const Route* route = match.kind == Router::Match::Kind::kFound ? match.route : nullptr;
  if (route != nullptr) {
    request.route = route->pattern;
    request.path_params = std::move(match.params);
    outcome.route = route->pattern;
  }
  Response response;
  if (route != nullptr && route->async_handler) {
    Response answered = co_await answer_later(connection, *route, request);
    response = std::move(answered);
  } else if ((route != nullptr && route->execution == Execution::kInline) ||
             (route == nullptr && router_.middleware().empty())) {
    // Cheap and non-blocking: on the network thread.
    response = dispatcher_.respond(match, request);
  } else if (route != nullptr && route->from_memory) {
    // Answered from memory here when it can be; otherwise by the handler on a worker.
    std::size_t layers_run = 0;
    if (auto from_memory = dispatcher_.try_from_memory(*route, request, layers_run)) {
      response = std::move(*from_memory);
    } else {
      auto job = [this, route, &request, layers_run] {
        return dispatcher_.finish(*route, request, layers_run);
      };
      Response produced = co_await run_on<Response>(*workers_, std::move(job));
      response = std::move(produced);
    }
  } else {
    auto job = [this, &match, &request] { return dispatcher_.respond(match, request); };
    if (route != nullptr && route->body == RequestBody::kStreamed) {
      Response produced = co_await run_on<Response>(*stream_workers_, std::move(job));
      response = std::move(produced);
    } else {
      Response produced = co_await run_on<Response>(*workers_, std::move(job));
      response = std::move(produced);
    }
  }
  // A handler may have named the route more narrowly (a proxy: the route it forwarded to).
  if (route != nullptr && !request.route.empty()) outcome.route = request.route;
  if (request.body_reader != nullptr) {
    // Bytes the handler read count as received.
    outcome.bytes_in += static_cast<std::size_t>(request.body_reader->bytes_read());
    request.body_reader = nullptr;
  }

  // The outcome views the request's method and path (Request: a handler leaves them be).
  assert(outcome.method.data() == request.method.data() &&
         outcome.method.size() == request.method.size() &&
         outcome.path.data() == request.path.data() && outcome.path.size() == request.path.size());
  const bool head = request.method == "HEAD";
  // A streamed body the handler left unread ends the connection.
  const bool body_complete = streamed_body == nullptr || streamed_body->is_done();
  const bool keep_alive = keep_alive_requested && body_complete && !draining_.load();
  co_return co_await answer(connection, request.version, head, keep_alive, response, request.trace,
                            outcome, started);
}

// ---- refusals and lingering close -----------------------------------------------------------

// Answers a request the server refuses before routing (limits, framing, timeouts,
// malformed input, no room for one more stream), then closes: the rest of the stream
// cannot be trusted to start at a request boundary.
asio::awaitable<bool> Server::Impl::refuse(Connection& connection,
                                           const bhttp::request_header<>& header,
                                           const detail::Refusal& refusal, std::size_t bytes_in,
                                           Clock::time_point started) {
  const InFlight in_flight_guard(in_flight_);
  const auto trace =
      detail::make_trace(header["X-Request-ID"], header["traceparent"], options_.tracer);
  std::string path(header.target().substr(0, header.target().find('?')));
  if (path.size() > 256) path = path.substr(0, 256) + "...";
  if (path.empty()) path = "/";
  detail::Outcome outcome{.method = header.method_string(),
                          .route = detail::kUnmatchedRoute,
                          .path = path,
                          .status = 0,
                          .bytes_in = bytes_in,
                          .bytes_out = 0};
  if (outcome.method.empty()) outcome.method = "-";
  const bool head = header.method() == bhttp::verb::head;
  const unsigned version = header.version() == 10 ? 10 : 11;
  Response problem = Response::problem(refusal.status, refusal.detail, path);
  for (const auto& field : refusal.headers) problem.headers.set(field.name, field.value);
  co_await answer(connection, version, head, /*keep_alive=*/false, problem, trace, outcome,
                  started);
  co_await linger_then_close(connection);
  co_return false;
}

// After an answer given before the body was read, the client may still be sending: read
// and discard for a while before closing, or the kernel answers the unread bytes with a
// reset that can destroy our answer in the client's receive buffer (nginx's lingering
// close). Bounded in time and bytes: a client cannot hold the connection this way.
asio::awaitable<void> Server::Impl::linger_then_close(Connection& connection) const {
  error_code ignored;
  connection.socket.shutdown(tcp::socket::shutdown_send, ignored);
  connection.arm(options_.linger_timeout);
  std::array<char, 16384> scratch;
  std::uint64_t discarded = 0;
  while (!connection.timed_out && discarded < options_.linger_max_bytes) {
    auto [ec, n] = co_await connection.socket.async_read_some(asio::buffer(scratch), kUseTuple);
    if (ec) break;  // the client closed its side too: it has read what it wanted
    discarded += n;
  }
  connection.close();
}

bool Server::Impl::client_went_away(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == asio::error::broken_pipe ||
         ec == asio::error::bad_descriptor;
}

bool Server::Impl::body_cut_short(const tcp::socket& socket, const error_code& ec) {
  return socket.is_open() && (ec == bhttp::error::partial_message ||
                              ec == bhttp::error::end_of_stream || ec == asio::error::eof);
}

std::string Server::Impl::cut_short_detail(std::optional<std::uint64_t> content_length,
                                           std::optional<std::uint64_t> remaining) {
  if (content_length && remaining && *remaining <= *content_length) {
    return "the request body ended after " + std::to_string(*content_length - *remaining) +
           " of its " + std::to_string(*content_length) +
           " bytes: the client closed its side of the connection";
  }
  return "the request body ended before its last chunk: the client closed its side of the "
         "connection";
}

// The answer to a failed read: timeout, limits, or malformed input.
detail::Refusal Server::Impl::refusal_for(const error_code& ec, bool timed_out,
                                          const bhttp::request_header<>& partial) const {
  const auto refusal = [](int status, std::string detail) {
    return detail::Refusal{.status = status, .detail = std::move(detail), .headers = {}};
  };
  if (timed_out) return refusal(408, "the request did not arrive within the read timeout");
  if (ec == bhttp::error::header_limit) {
    // Beast consumes the request line as soon as it is whole: no target yet means the
    // request line alone went past the limit.
    if (partial.target().empty()) return refusal(414, "the request target is too long");
    return refusal(431, "the request header fields are too large");
  }
  if (ec == bhttp::error::body_limit) {
    return refusal(413, "the request body exceeds the limit of " +
                            std::to_string(options_.max_body_bytes) + " bytes");
  }
  if (ec == bhttp::error::buffer_overflow) {
    return refusal(400, "a chunk-size line or the trailer fields of the request are too long");
  }
  if (ec == bhttp::error::bad_transfer_encoding) {
    return refusal(400,
                   "the request has a repeated Transfer-Encoding, or one together with "
                   "Content-Length");
  }
  if (ec == bhttp::error::multiple_content_length) {
    return refusal(400, "the request has several differing Content-Length values");
  }
  if (ec == bhttp::error::bad_content_length) {
    return refusal(400,
                   "the request has an invalid Content-Length, or one together with "
                   "Transfer-Encoding");
  }
  return refusal(400, "malformed HTTP request: " + ec.message());
}

Request Server::Impl::to_request(const bhttp::request_header<>& message,
                                 const Connection& connection) const {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.version = message.version() == 10 ? 10 : 11;
  detail::copy_fields(message, request.headers);
  complete_request(request, connection);
  return request;
}

// What a request's method, target, version and fields give: its path and query, its
// trace, its deadline; then the hop-by-hop fields go.
void Server::Impl::complete_request(Request& request, const Connection& connection) const {
  const auto question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  request.remote_address = connection.remote_address;
  request.trace = detail::make_trace(request.headers.get("X-Request-ID"),
                                     request.headers.get("traceparent"), options_.tracer);
  // A malformed or absurd budget is ignored rather than refused: the caller's deadline is
  // advice for us, not part of what it asks.
  if (const auto budget = request.headers.get(kRequestTimeoutHeader); !budget.empty()) {
    if (const auto ms = core::parse_integer<std::int64_t>(budget);
        ms && *ms >= 0 && *ms <= kMaxRequestTimeoutMs) {
      request.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*ms);
    }
  }
  remove_hop_by_hop(request.headers);
}

// ---- writing answers -------------------------------------------------------------------------

// Writes `response`, logs and counts the exchange. Returns whether to keep the connection
// open.
asio::awaitable<bool> Server::Impl::answer(Connection& connection, unsigned version, bool head,
                                           bool keep_alive, Response& response,
                                           const TraceContext& trace, detail::Outcome& outcome,
                                           Clock::time_point started) {
  // A 1xx is interim, never final: sent as the answer it would leave the client waiting
  // for the real one (and the next answer would be read as this request's).
  if (response.status < 200 || response.status > 599) {
    logger_.error(trace.log_context(), "handler returned an invalid status",
                  {{"route", outcome.route}, {"status", response.status}});
    response = Response::problem(500, "an unexpected error occurred", outcome.path);
  }
  outcome.status = response.status;
  if (response.body_source && status_has_body(response.status)) {
    co_return co_await answer_streamed(connection, version, head, keep_alive, response, trace,
                                       outcome, started);
  }
  std::optional<std::uint64_t> length;
  if (status_has_body(response.status)) {
    length = response.body.size();
    // A HEAD answered on another server's behalf (a proxy) declares that server's length,
    // or none when it cannot know it (RFC 9110 §8.6: a HEAD's length, when sent, is the
    // GET's; "0" for a body merely not made here would be false).
    if (head && response.body.empty()) {
      length.reset();
      if (const auto declared = response.headers.find("Content-Length")) {
        if (const auto parsed = core::parse_integer<std::uint64_t>(*declared)) length = *parsed;
      }
    }
  }
  // The head written as text and sent with the body in one write: what Beast's message
  // and serializer would send, without copying every field into them first.
  const std::string head_text = response_head(version, response, trace, length, keep_alive);
  const bool sends_body = length && !head && !response.body.empty();
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(head_text), sends_body ? asio::buffer(response.body) : asio::const_buffer()};

  connection.arm(options_.read_timeout);
  auto [ec, written] = co_await asio::async_write(connection.socket, buffers, kUseTuple);
  connection.disarm();
  outcome.bytes_out = written;
  access_log_.record(outcome, trace, started);
  if (ec) co_return false;
  co_return finish_answer(connection, keep_alive);
}

// The response's own fields plus Date and X-Request-ID. The server owns the framing and
// the connection: a handler's Content-Length, Transfer-Encoding or hop-by-hop fields
// are dropped, and so is any field whose value would inject a header line.
void Server::Impl::set_header_fields(bhttp::response_header<>& message, const Response& response,
                                     const TraceContext& trace) {
  for (const auto& field : response.headers) {
    if (!is_own_field(field.name) || detail::has_line_break(field.value)) continue;
    message.insert(field.name, field.value);
  }
  message.set(bhttp::field::date, http_date());
  message.set("X-Request-ID", trace.request_id);
}

// The status line, the fields set_header_fields would give Beast (in the same order, the
// value trimmed of surrounding blanks as Beast does), Content-Length and the connection's
// fate, as Beast's serializer writes them.
std::string Server::Impl::response_head(unsigned version, const Response& response,
                                        const TraceContext& trace,
                                        std::optional<std::uint64_t> content_length,
                                        bool keep_alive) {
  const std::string_view reason =
      bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  std::string head;
  head.reserve(256);
  head.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ")
      .append(std::to_string(response.status))
      .append(1, ' ')
      .append(reason)
      .append("\r\n");
  using namespace std::string_view_literals;  // appends of a known size: no strlen
  const auto add = [&head](std::string_view name, std::string_view value) {
    head.append(name).append(": "sv).append(value).append("\r\n"sv);
  };
  for (const auto& field : response.headers) {
    if (!is_own_field(field.name) || detail::has_line_break(field.value) ||
        core::iequals(field.name, "Date") || core::iequals(field.name, "X-Request-ID")) {
      continue;
    }
    add(field.name, core::trim(field.value));
  }
  add("Date", http_date());
  add("X-Request-ID", trace.request_id);
  if (content_length) add("Content-Length", std::to_string(*content_length));
  if (version == 10 && keep_alive) add("Connection", "keep-alive");
  if (version != 10 && !keep_alive) add("Connection", "close");
  head.append("\r\n");
  return head;
}

// Whether a handler's field may be sent as it is: not one of the server's own (framing,
// hop-by-hop) and not one that would inject a header line.
bool Server::Impl::is_own_field(std::string_view name) {
  return !name.empty() && !core::iequals(name, "Content-Length") && !is_hop_by_hop(name) &&
         !detail::has_line_break(name);
}

bool Server::Impl::finish_answer(Connection& connection, bool keep_alive) {
  if (!keep_alive) {
    error_code ignored;
    connection.socket.shutdown(tcp::socket::shutdown_send, ignored);
  }
  return keep_alive;
}

}  // namespace platform::http
