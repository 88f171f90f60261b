// The Beast/Asio client. Reads top-down: URLs, retry rules and problem mapping (plain
// functions), then Client::Impl: one call (exchange) tries a pooled or a new connection
// (connect, attempt), the pool, metrics, and starting and stopping.
//
// Threads: the client owns an io_context run by one thread of its own. send() builds the
// request on the caller's thread, spawns the exchange on the io thread and blocks on a
// future, so the caller is never an io thread of the client. Everything in Impl below
// "io thread only" (the pool, the connections in use, the metric cache) is touched only
// by that one thread and needs no lock.
#include "platform/http/client.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "platform/core/problem.h"
#include "platform/core/strings.h"

namespace platform::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Beast's parser defaults to 8 KiB of header; our servers allow 16 KiB plus the URL.
constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr std::chrono::milliseconds kMinSweepInterval{10};
constexpr std::chrono::milliseconds kMaxSweepInterval{5000};
constexpr std::size_t kMaxLoggedBodyBytes = 200;

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// RFC 9110 token characters: what a method or a header field name may hold.
bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// Metric label for the method: folds unusual tokens into one value (bounded labels).
std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (const auto known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

core::Error invalid_url(std::string_view url, const std::string& reason) {
  return core::Error::invalid_argument("url", "\"" + std::string(url) + "\" " + reason);
}

// Non-blocking look at an idle connection: false when the peer closed it (or sent bytes
// nobody asked for, which leaves the stream out of step).
bool peer_still_connected(tcp::socket& socket) {
  if (!socket.is_open()) return false;
  char byte = 0;
  const auto received = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (received >= 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

// The code a problem `type` names, when it is one of ours and agrees with the status.
std::optional<core::ErrorCode> code_from_problem_type(std::string_view type, int status) {
  const auto slash = type.rfind('/');
  const std::string_view slug = slash == std::string_view::npos ? type : type.substr(slash + 1);
  for (int value = static_cast<int>(core::ErrorCode::kMalformed);
       value <= static_cast<int>(core::ErrorCode::kInternal); ++value) {
    const auto code = static_cast<core::ErrorCode>(value);
    if (core::to_string(code) == slug && core::http_status(code) == status) return code;
  }
  return std::nullopt;
}

bool is_problem_json(const Headers& headers) {
  const std::string_view content_type = headers.get("Content-Type");
  const std::string_view media_type = core::trim(content_type.substr(0, content_type.find(';')));
  return core::iequals(media_type, core::kProblemContentType);
}

std::string string_member(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->as_string());
}

}  // namespace

// ---- URLs, retries, problems ----------------------------------------------------------

core::Result<Url> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() >= 8 && core::iequals(url.substr(0, 8), "https://")) {
    return invalid_url(url, "uses https, which the client does not support yet");
  }
  if (url.size() < kScheme.size() || !core::iequals(url.substr(0, kScheme.size()), kScheme)) {
    return invalid_url(url, "must start with http://");
  }
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('#'));
  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  Url parsed;
  const auto colon = authority.find(':');
  const std::string_view host = authority.substr(0, colon);
  if (host.empty()) return invalid_url(url, "has no host");
  for (const char c : host) {
    if (!is_host_char(c)) return invalid_url(url, "has an invalid host (names and IPv4 only)");
  }
  parsed.host = std::string(host);
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
      return invalid_url(url, "has an invalid port");
    }
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return invalid_url(url, "has an invalid port");
    parsed.port = static_cast<std::uint16_t>(number);
  }
  for (const char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return invalid_url(url, "has a space or control character in its path or query");
    }
  }
  if (target.empty() || target.front() == '?') parsed.target = "/";
  parsed.target += target;
  return parsed;
}

bool is_idempotent_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

bool may_retry_on_fresh_connection(std::string_view method, const FailedAttempt& attempt) {
  if (!attempt.reused_connection || attempt.response_started || attempt.timed_out) return false;
  return !attempt.request_written || is_idempotent_method(method);
}

core::ErrorCode error_code_for_status(int status) {
  using core::ErrorCode;
  switch (status) {
    case 400:
      return ErrorCode::kMalformed;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
    case 410:
      return ErrorCode::kNotFound;
    case 408:
      return ErrorCode::kDeadlineExceeded;
    case 409:
      return ErrorCode::kAlreadyExists;
    case 412:
      return ErrorCode::kVersionMismatch;
    case 413:
      return ErrorCode::kTooLarge;
    case 415:
      return ErrorCode::kUnsupportedMediaType;
    case 422:
      return ErrorCode::kInvalidArgument;
    case 428:
      return ErrorCode::kFailedPrecondition;
    case 429:
      return ErrorCode::kResourceExhausted;
    case 504:
      return ErrorCode::kDeadlineExceeded;
    default:
      break;
  }
  if (status >= 500) return ErrorCode::kUnavailable;
  return ErrorCode::kInternal;
}

std::optional<core::Error> ClientResponse::problem() const {
  if (status < 400) return std::nullopt;
  core::ErrorCode code = error_code_for_status(status);
  std::string detail;
  std::vector<core::FieldError> field_errors;
  if (is_problem_json(headers)) {
    error_code ec;
    const boost::json::value parsed = boost::json::parse(body, ec);
    if (!ec && parsed.is_object()) {
      const auto& object = parsed.as_object();
      if (auto typed = code_from_problem_type(string_member(object, "type"), status)) {
        code = *typed;
      }
      detail = string_member(object, "detail");
      if (detail.empty()) detail = string_member(object, "title");
      if (const auto* errors = object.if_contains("errors"); errors && errors->is_array()) {
        for (const auto& item : errors->as_array()) {
          if (!item.is_object()) continue;
          field_errors.push_back({string_member(item.as_object(), "field"),
                                  string_member(item.as_object(), "message")});
        }
      }
    }
  }
  if (detail.empty()) {
    detail = "the peer answered " + std::to_string(status) + " " +
             std::string(core::status_title(status));
  }
  core::Error error(code, std::move(detail),
                    "HTTP " + std::to_string(status) + ": " + body.substr(0, kMaxLoggedBodyBytes));
  if (!field_errors.empty()) error.with_field_errors(std::move(field_errors));
  return error;
}

// ---- the client -------------------------------------------------------------------------

struct Client::Impl {
  struct Connection {
    explicit Connection(const asio::any_io_executor& executor) : stream(executor) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;  // bytes read but not parsed yet: empty between exchanges
    Clock::time_point idle_since;
  };
  using ConnectionPtr = std::unique_ptr<Connection>;

  // One send(): built on the caller's thread, carried out on the io thread.
  struct Call {
    Url url;
    std::string peer;       // "host:port": pool key and metric label
    std::string peer_name;  // for error details
    std::string method;
    BeastRequest request;
    Clock::time_point started;
    std::optional<core::Result<ClientResponse>> result;
    std::promise<core::Result<ClientResponse>> promise;
  };

  // How one attempt on one connection ended.
  struct Attempt {
    std::optional<ClientResponse> response;  // set on success
    bool keep_alive = false;                 // the connection may serve another call
    error_code ec;
    bool written = false;
    bool response_started = false;
  };

  // Registers a connection in use, so that shutting down can close it.
  class InUse {
   public:
    InUse(Impl& impl, Connection* connection) : impl_(impl), connection_(connection) {
      impl_.connections_in_use.insert(connection_);
    }
    ~InUse() { impl_.connections_in_use.erase(connection_); }
    InUse(const InUse&) = delete;
    InUse& operator=(const InUse&) = delete;

   private:
    Impl& impl_;
    Connection* connection_;
  };

  Impl(ClientOptions client_options, metrics::Registry* metrics_registry,
       logging::Logger* client_logger)
      : options(std::move(client_options)),
        registry(metrics_registry),
        logger(client_logger),
        work_guard(ioc.get_executor()),
        sweep_timer(ioc) {
    asio::co_spawn(ioc, sweep_idle(), [this](const std::exception_ptr& failure) {
      report_failure("idle sweep", failure);
    });
    io_thread = std::thread([this] { run_io(); });
  }

  ~Impl() {
    asio::post(ioc, [this] { shut_down(); });
    work_guard.reset();
    io_thread.join();
  }

  // ---- on the caller's thread -------------------------------------------------------

  core::Result<ClientResponse> send(const ClientRequest& request, const TraceContext* trace) {
    if (std::this_thread::get_id() == io_thread.get_id()) {
      return core::Error::internal("Client::send called on the client's own io thread");
    }
    auto call = std::make_shared<Call>();
    call->started = Clock::now();
    auto url = parse_url(request.url);
    if (!url) return std::move(url).error();
    call->url = std::move(*url);
    call->peer = call->url.host + ":" + std::to_string(call->url.port);
    call->peer_name = options.peer_name.empty() ? call->peer : options.peer_name;
    call->method = request.method;
    if (auto built = build_request(request, call->url, trace, call->request); !built) {
      return std::move(built).error();
    }

    auto answer = call->promise.get_future();
    asio::co_spawn(ioc, run_call(call), [this, call](const std::exception_ptr& failure) {
      if (failure) {
        report_failure("client call", failure);
        record(*call, "error");
        call->result = core::Error::internal("the client's exchange threw an exception");
      }
      call->promise.set_value(std::move(*call->result));
    });
    try {
      return answer.get();
    } catch (const std::future_error&) {
      // The io_context dropped the call unrun: the client is being destroyed.
      return shutting_down(call->peer_name);
    }
  }

  core::Result<void> build_request(const ClientRequest& request, const Url& url,
                                   const TraceContext* trace, BeastRequest& message) const {
    if (!is_token(request.method)) {
      return core::Error::invalid_argument("method", "\"" + request.method + "\" is not a method");
    }
    message.version(11);
    message.method_string(request.method);
    message.target(url.target);
    for (const auto& field : request.headers) {
      if (!is_token(field.name) || has_line_break(field.value)) {
        return core::Error::invalid_argument("headers",
                                             "invalid header field \"" + field.name + "\"");
      }
      if (core::iequals(field.name, "Content-Length") ||
          core::iequals(field.name, "Transfer-Encoding")) {
        continue;
      }
      message.insert(field.name, field.value);
    }
    if (!request.headers.contains("Host")) {
      message.set(bhttp::field::host,
                  url.port == 80 ? url.host : url.host + ":" + std::to_string(url.port));
    }
    if (!request.headers.contains("User-Agent") && !options.user_agent.empty()) {
      message.set(bhttp::field::user_agent, options.user_agent);
    }
    if (trace != nullptr) {
      if (!trace->request_id.empty() && !request.headers.contains("X-Request-ID")) {
        message.set("X-Request-ID", trace->request_id);
      }
      if (!trace->trace_id.empty() && !request.headers.contains("traceparent")) {
        message.set("traceparent", trace->traceparent());
      }
    }
    message.body() = request.body;
    message.prepare_payload();
    return core::ok();
  }

  // ---- on the io thread: one call -----------------------------------------------------

  asio::awaitable<void> run_call(std::shared_ptr<Call> call) {
    core::Result<ClientResponse> result = co_await exchange(*call);
    if (result) {
      record(*call, std::to_string(result->status));
    } else {
      record(*call, "error");
    }
    call->result = std::move(result);
  }

  // g++ 12 miscompiles some co_await expressions that hold non-trivial temporaries (and
  // `?:` around co_await), so every co_await below takes named values only.
  asio::awaitable<core::Result<ClientResponse>> exchange(const Call& call) {
    ConnectionPtr connection = take_idle(call.peer);
    bool reused = connection != nullptr;
    bool retried = false;
    for (;;) {
      if (stopping) co_return shutting_down(call.peer_name);
      if (!connection) {
        auto connected = co_await connect(call);
        if (!connected) co_return std::move(connected).error();
        connection = std::move(*connected);
        reused = false;
      }
      Attempt attempt;
      {
        InUse in_use_guard(*this, connection.get());
        attempt = co_await attempt_once(*connection, call);
      }
      if (!attempt.ec) {
        if (attempt.keep_alive) {
          put_idle(call.peer, std::move(connection));
        } else {
          close(*connection);
        }
        co_return std::move(*attempt.response);
      }
      close(*connection);
      connection.reset();
      if (stopping) co_return shutting_down(call.peer_name);
      const FailedAttempt failed{.reused_connection = reused,
                                 .request_written = attempt.written,
                                 .response_started = attempt.response_started,
                                 .timed_out = attempt.ec == beast::error::timeout};
      if (retried || !may_retry_on_fresh_connection(call.method, failed)) {
        co_return exchange_error(call, attempt);
      }
      // The peer closed a pooled connection (restart, idle timeout): the others it
      // held for us are most likely closed too.
      drop_idle(call.peer);
      retried = true;
    }
  }

  asio::awaitable<core::Result<ConnectionPtr>> connect(const Call& call) {
    const auto deadline = Clock::now() + options.connect_timeout;
    std::vector<tcp::endpoint> endpoints;
    error_code address_ec;
    const auto address = asio::ip::make_address_v4(call.url.host, address_ec);
    if (!address_ec) {
      endpoints.emplace_back(address, call.url.port);
    } else {
      auto resolved = co_await resolve(call, deadline);
      if (!resolved) co_return std::move(resolved).error();
      endpoints = std::move(*resolved);
    }
    auto connection = std::make_unique<Connection>(ioc.get_executor());
    InUse in_use_guard(*this, connection.get());
    connection->stream.expires_at(deadline);
    auto [ec, endpoint] = co_await connection->stream.async_connect(endpoints, kUseTuple);
    if (stopping) co_return shutting_down(call.peer_name);
    if (ec == beast::error::timeout) co_return connect_timeout(call);
    if (ec) co_return unavailable(call, ec.message());
    error_code ignored;
    connection->stream.socket().set_option(tcp::no_delay(true), ignored);
    co_return std::move(connection);
  }

  // Name resolution runs on Asio's resolver thread, which the stream's timer does not
  // reach: a timer of our own cancels it at the deadline.
  asio::awaitable<core::Result<std::vector<tcp::endpoint>>> resolve(const Call& call,
                                                                    Clock::time_point deadline) {
    // Shared with the timer's handler, which may run after this coroutine went on.
    auto resolver = std::make_shared<tcp::resolver>(ioc);
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer timer(ioc, deadline);
    timer.async_wait([resolver, timed_out](const error_code& ec) {
      if (ec) return;
      *timed_out = true;
      resolver->cancel();
    });
    resolvers.insert(resolver.get());
    const std::string port = std::to_string(call.url.port);
    auto [ec, results] = co_await resolver->async_resolve(
        call.url.host, port, tcp::resolver::numeric_service, kUseTuple);
    resolvers.erase(resolver.get());
    timer.cancel();
    if (stopping) co_return shutting_down(call.peer_name);
    if (*timed_out) co_return connect_timeout(call);
    if (ec) co_return unavailable(call, "cannot resolve " + call.url.host + ": " + ec.message());
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    co_return std::move(endpoints);
  }

  // Writes the request and reads the answer within request_timeout.
  asio::awaitable<Attempt> attempt_once(Connection& connection, const Call& call) const {
    Attempt attempt;
    connection.stream.expires_after(options.request_timeout);
    auto [write_ec, written] =
        co_await bhttp::async_write(connection.stream, call.request, kUseTuple);
    if (write_ec) {
      attempt.ec = write_ec;
      co_return attempt;
    }
    attempt.written = true;
    for (;;) {
      bhttp::response_parser<bhttp::string_body> parser;
      parser.header_limit(kMaxResponseHeaderBytes);
      parser.body_limit(options.max_response_bytes);
      if (call.request.method() == bhttp::verb::head) parser.skip(true);
      auto [read_ec, read] =
          co_await bhttp::async_read(connection.stream, connection.buffer, parser, kUseTuple);
      attempt.response_started =
          attempt.response_started || parser.got_some() || connection.buffer.size() > 0;
      if (read_ec) {
        attempt.ec = read_ec;
        co_return attempt;
      }
      BeastResponse message = parser.release();
      // An interim answer (100 Continue, 103 Early Hints) comes before the real one.
      if (message.result_int() < 200 && message.result_int() != 101) continue;
      attempt.keep_alive = message.keep_alive() && call.request.keep_alive() &&
                           connection.buffer.size() == 0 && message.result_int() != 101;
      ClientResponse response;
      response.status = static_cast<int>(message.result_int());
      for (const auto& field : message) response.headers.add(field.name_string(), field.value());
      response.body = std::move(message.body());
      attempt.response = std::move(response);
      co_return attempt;
    }
  }

  // ---- errors -------------------------------------------------------------------------

  core::Error unavailable(const Call& call, const std::string& reason) const {
    return core::Error::unavailable(
        call.peer_name + " is unavailable: " + reason,
        call.method + " " + call.peer + call.url.target + ": " + reason);
  }

  core::Error connect_timeout(const Call& call) const {
    return {core::ErrorCode::kDeadlineExceeded,
            call.peer_name + " did not accept a connection within " +
                std::to_string(options.connect_timeout.count()) + " ms",
            call.method + " " + call.peer + call.url.target};
  }

  static core::Error shutting_down(const std::string& peer_name) {
    return core::Error::unavailable(peer_name + " is unavailable: the client is shutting down");
  }

  core::Error exchange_error(const Call& call, const Attempt& attempt) const {
    const error_code& ec = attempt.ec;
    const std::string where = call.method + " " + call.peer + call.url.target + ": ";
    if (ec == beast::error::timeout) {
      return {core::ErrorCode::kDeadlineExceeded,
              call.peer_name + " did not answer within " +
                  std::to_string(options.request_timeout.count()) + " ms",
              where + "request timeout"};
    }
    if (ec == bhttp::error::body_limit) {
      return core::Error::internal(where + "the response body exceeds max_response_bytes (" +
                                   std::to_string(options.max_response_bytes) + ")");
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) {
      return unavailable(call, attempt.response_started
                                   ? "the connection closed in the middle of the response"
                                   : "the connection closed before a response arrived");
    }
    if (ec == bhttp::error::partial_message) {
      return unavailable(call, "the connection closed in the middle of the response");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::header_limit).category()) {
      // Beast's parse errors: the peer does not speak HTTP the way we can read.
      return core::Error::internal(where + "unreadable response: " + ec.message());
    }
    return unavailable(call, ec.message());
  }

  // ---- the pool (io thread only) ------------------------------------------------------

  ConnectionPtr take_idle(const std::string& peer) {
    const auto found = idle.find(peer);
    if (found == idle.end()) return nullptr;
    auto& connections = found->second;
    const auto now = Clock::now();
    while (!connections.empty()) {
      ConnectionPtr connection = std::move(connections.back());
      connections.pop_back();
      if (now - connection->idle_since <= options.idle_connection_ttl &&
          peer_still_connected(connection->stream.socket())) {
        return connection;
      }
      close(*connection);
    }
    return nullptr;
  }

  void put_idle(const std::string& peer, ConnectionPtr connection) {
    if (stopping || options.max_idle_connections_per_host == 0) {
      close(*connection);
      return;
    }
    auto& connections = idle[peer];
    while (connections.size() >= options.max_idle_connections_per_host) {
      close(*connections.front());  // the oldest
      connections.pop_front();
    }
    connection->idle_since = Clock::now();
    connections.push_back(std::move(connection));
  }

  void drop_idle(const std::string& peer) {
    const auto found = idle.find(peer);
    if (found == idle.end()) return;
    for (auto& connection : found->second) close(*connection);
    idle.erase(found);
  }

  // Closes what outlived the TTL or what the peer closed, so that sockets do not wait
  // in CLOSE_WAIT for the next call to the same peer.
  asio::awaitable<void> sweep_idle() {
    const auto interval = std::clamp<std::chrono::milliseconds>(
        options.idle_connection_ttl / 2, kMinSweepInterval, kMaxSweepInterval);
    for (;;) {
      sweep_timer.expires_after(interval);
      auto [ec] = co_await sweep_timer.async_wait(kUseTuple);
      if (ec || stopping) co_return;
      const auto now = Clock::now();
      for (auto entry = idle.begin(); entry != idle.end();) {
        auto& connections = entry->second;
        std::erase_if(connections, [&](ConnectionPtr& connection) {
          if (now - connection->idle_since <= options.idle_connection_ttl &&
              peer_still_connected(connection->stream.socket())) {
            return false;
          }
          close(*connection);
          return true;
        });
        if (connections.empty()) {
          entry = idle.erase(entry);
        } else {
          ++entry;
        }
      }
    }
  }

  static void close(Connection& connection) {
    error_code ignored;
    connection.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    connection.stream.close();
  }

  // ---- metrics (io thread only) -------------------------------------------------------

  void record(const Call& call, const std::string& status) {
    if (registry == nullptr) return;
    const std::chrono::duration<double> elapsed = Clock::now() - call.started;
    const std::string_view method = method_label(call.method);
    std::string key;
    key.append(call.peer).append(1, '\0').append(method);
    auto histogram = histograms.find(key);
    if (histogram == histograms.end()) {
      auto& created = registry->histogram("http_client_request_duration_seconds",
                                          "Time from sending an HTTP request to its answer.",
                                          {{"peer", call.peer}, {"method", std::string(method)}});
      histogram = histograms.emplace(key, &created).first;
    }
    histogram->second->observe(elapsed.count());
    key.append(1, '\0').append(status);
    auto counter = counters.find(key);
    if (counter == counters.end()) {
      auto& created = registry->counter(
          "http_client_requests_total", "HTTP requests sent, by answer status or \"error\".",
          {{"peer", call.peer}, {"method", std::string(method)}, {"status", status}});
      counter = counters.emplace(key, &created).first;
    }
    counter->second->inc();
  }

  // ---- running and stopping -----------------------------------------------------------

  void run_io() {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& error) {
        // Every task has a completion handler, so this is a bug; keep the client going.
        log_error("client io thread caught an exception", error.what());
      }
    }
  }

  // The completion handler of every co_spawn: `detached` would swallow the exception.
  void report_failure(std::string_view task, const std::exception_ptr& failure) const {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      log_error(std::string(task) + " failed", error.what());
    } catch (...) {
      log_error(std::string(task) + " failed", "unknown exception");
    }
  }

  void log_error(std::string_view msg, std::string_view error) const {
    if (logger != nullptr) {
      logger->error(msg, {{"component", "http_client"}, {"error", error}});
    } else {
      std::fprintf(stderr, "http client: %.*s: %.*s\n", static_cast<int>(msg.size()), msg.data(),
                   static_cast<int>(error.size()), error.data());
    }
  }

  // Closing the connections in use makes their calls fail at once; calls that start
  // later see `stopping`. Then nothing keeps the io_context busy and run() returns.
  void shut_down() {
    stopping = true;
    error_code ignored;
    sweep_timer.cancel(ignored);
    for (auto* resolver : resolvers) resolver->cancel();
    for (auto* connection : connections_in_use) close(*connection);
    for (auto& [peer, connections] : idle) {
      for (auto& connection : connections) close(*connection);
    }
    idle.clear();
  }

  ClientOptions options;
  metrics::Registry* registry;
  logging::Logger* logger;

  // io thread only
  bool stopping = false;
  std::unordered_map<std::string, std::deque<ConnectionPtr>> idle;  // newest at the back
  std::unordered_set<Connection*> connections_in_use;
  std::unordered_set<tcp::resolver*> resolvers;
  std::unordered_map<std::string, metrics::Counter*> counters;
  std::unordered_map<std::string, metrics::Histogram*> histograms;

  // Declared last: destroying the io_context destroys what a call left behind.
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_guard;
  asio::steady_timer sweep_timer;
  std::thread io_thread;
};

Client::Client(ClientOptions options, metrics::Registry* registry, logging::Logger* logger)
    : impl_(std::make_unique<Impl>(std::move(options), registry, logger)) {}

Client::~Client() = default;

void Client::shutdown() {
  // shut_down() runs on the io thread (it owns the pool); wait until it did, so that a
  // send started after this returns is refused for certain.
  std::promise<void> done;
  auto finished = done.get_future();
  asio::post(impl_->ioc, [this, &done] {
    impl_->shut_down();
    done.set_value();
  });
  finished.wait();
}

core::Result<ClientResponse> Client::send(const ClientRequest& request, const TraceContext* trace) {
  return impl_->send(request, trace);
}

}  // namespace platform::http
