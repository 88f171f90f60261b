// proxy-floor: the least a reverse proxy built on Boost.Asio does per request, as a
// benchmark peer (scripts/bench/gateway.sh) beside the api-gateway and nginx. Its CPU per
// request is what Asio and the kernel cost a proxy on this machine: whatever the gateway
// spends above it is the gateway's own code (parsing, routing, checks, spans, metrics).
//
//   proxy-floor --listen 8090 --upstream 8082 --strip-prefix /api/v1
//   proxy-floor --listen 8091 --upstream 8082 --strip-prefix /api/v1 --duties
//
// --duties adds, per request, what the gateway adds, done with the platform's libraries
// as the gateway does it: the bearer token looked up among tokens already seen (the
// gateway's cache of verified tokens; a token is not verified here), a decision of the
// in-memory rate limiter and its headers, a request id, trace and span ids, the caller's
// identity signed (X-User-*), X-Forwarded-*, traceparent, security headers on the answer,
// a client span and a server span written to the log (stdout), and four metrics (looked
// up by their labels in a cache on every request, as the gateway does). What the
// gateway spends above this is its HTTP layering: its parsers, messages, handlers and
// client.
//
// Per client connection: one keep-alive connection to the upstream, one request at a
// time; the request line's target loses --strip-prefix, everything else passes as it came.
// It understands only what a benchmark sends: messages framed by Content-Length, a
// message without one having no body (so neither an answer read until the connection
// closes nor a HEAD's or a 304's declared length); Transfer-Encoding closes the
// connection. It checks nothing and must never face a real client.
#include <array>
#include <boost/asio.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/http/identity.h"
#include "platform/http/message.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"
#include "platform/ratelimit/headers.h"
#include "platform/ratelimit/limiter.h"
#include "platform/tracing/tracer.h"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
// A concrete executor rather than any_io_executor: nothing is type-erased on the way.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
template <class T = void>
using Task = asio::awaitable<T, Executor>;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable_t<Executor>{});

constexpr std::size_t kInitialBuffer = std::size_t{16} * 1024;
constexpr std::size_t kMaxMessage = std::size_t{16} * 1024 * 1024;

// The size of the whole message at the front of `bytes` (head and body), 0 while it is
// incomplete, or npos when it is framed in a way this proxy does not handle.
std::size_t message_size(std::string_view bytes) {
  const std::size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return bytes.size() > kMaxMessage ? bytes.npos : 0;
  std::string_view fields = bytes.substr(0, head_end);
  std::size_t body = 0;
  for (std::size_t line = fields.find("\r\n"); line != std::string_view::npos;) {
    const std::size_t next = fields.find("\r\n", line + 2);
    const std::string_view field = fields.substr(line + 2, next - line - 2);
    const std::size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = field.substr(0, colon);
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (platform::core::iequals(name, "transfer-encoding")) return std::string_view::npos;
      if (platform::core::iequals(name, "content-length")) {
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), body);
        if (error != std::errc{} || end != value.data() + value.size())
          return std::string_view::npos;
      }
    }
    line = next;
  }
  if (body > kMaxMessage) return std::string_view::npos;
  const std::size_t total = head_end + 4 + body;
  return bytes.size() >= total ? total : 0;
}

// Reads from `socket` into `buffer` (holding `filled` bytes) until a whole message is at its
// front; returns its size, or 0 when the peer closed, failed or framed it unreadably.
Task<std::size_t> read_message(Socket& socket, std::string& buffer, std::size_t& filled) {
  for (;;) {
    const std::size_t size = message_size(std::string_view(buffer.data(), filled));
    if (size == std::string_view::npos) co_return 0;
    if (size != 0) co_return size;
    if (filled == buffer.size()) buffer.resize(buffer.size() * 2);
    auto [error, read] = co_await socket.async_read_some(
        asio::buffer(buffer.data() + filled, buffer.size() - filled), kAwait);
    if (error) co_return 0;
    filled += read;
  }
}

// The value of the field `name` in a head whose first line is the request or status line.
std::string_view field_value(std::string_view head, std::string_view name) {
  std::size_t line = head.find("\r\n");
  while (line != std::string_view::npos) {
    const std::size_t next = head.find("\r\n", line + 2);
    const std::string_view field =
        head.substr(line + 2, next == std::string_view::npos ? next : next - line - 2);
    const std::size_t colon = field.find(':');
    if (colon != std::string_view::npos && platform::core::iequals(field.substr(0, colon), name)) {
      return platform::core::trim(field.substr(colon + 1));
    }
    line = next;
  }
  return {};
}

// What the gateway adds to a request, with the platform's libraries (see the top).
class Duties {
 public:
  Duties()
      : keys_(platform::http::IdentityKeys(
            {{"k1", platform::core::random_bytes(platform::core::kSha256Bytes)}})) {}

  struct Exchange {
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point upstream_started;
    std::string request_id = platform::tracing::new_trace_id();
    std::string trace_id = platform::tracing::new_trace_id();
    std::string server_span_id = platform::tracing::new_span_id();
    std::string client_span_id = platform::tracing::new_span_id();
    std::string path;
    platform::ratelimit::HeaderList limit_headers;
  };

  // Appends to `forwarded` the request's fields but those the gateway strips or sets
  // itself, then the gateway's.
  void forward_fields(Exchange& exchange, std::string_view head, std::string& forwarded) {
    const std::string_view token = bearer_token(head);
    platform::http::Caller caller = caller_of(token);
    platform::ratelimit::Decision decision;
    limiter_->decide(policy_, "user:" + caller.user_id,
                     [&](platform::ratelimit::Decision made) { decision = made; });
    exchange.limit_headers = platform::ratelimit::rate_limit_headers(policy_, decision);
    for (std::size_t line = head.find("\r\n"); line != std::string_view::npos;) {
      const std::size_t next = head.find("\r\n", line + 2);
      const std::string_view field =
          head.substr(line + 2, next == std::string_view::npos ? next : next - line - 2);
      if (!sets_itself(field.substr(0, field.find(':')))) forwarded.append(field).append("\r\n");
      line = next;
    }
    const auto unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    append_field(forwarded, platform::http::kUserIdHeader, caller.user_id);
    append_field(forwarded, platform::http::kUserRolesHeader, "admin");
    append_field(forwarded, platform::http::kUserSignatureHeader,
                 platform::http::sign_identity(keys_, caller, exchange.request_id, unix_now));
    append_field(forwarded, "X-Request-ID", exchange.request_id);
    append_field(
        forwarded, "traceparent",
        platform::tracing::traceparent_of(exchange.trace_id, exchange.client_span_id, true));
    append_field(forwarded, "X-Forwarded-For", "127.0.0.1");
    append_field(forwarded, "X-Forwarded-Proto", "http");
    append_field(forwarded, "X-Forwarded-Host", field_value(head, "host"));
    exchange.upstream_started = std::chrono::steady_clock::now();
  }

  // Ends the client span; appends the answer's head fields the gateway adds.
  void answer_fields(Exchange& exchange, int status, std::string& answer) {
    finish_span(exchange, platform::tracing::SpanKind::kClient, exchange.upstream_started, status);
    counter("upstream_requests_total", "upstream").inc();
    histogram("upstream_request_duration_seconds", "upstream")
        .observe(seconds_since(exchange.upstream_started));
    for (const auto& [name, value] : exchange.limit_headers) append_field(answer, name, value);
    append_field(answer, "X-Content-Type-Options", "nosniff");
    append_field(answer, "X-Frame-Options", "DENY");
    append_field(answer, "Referrer-Policy", "no-referrer");
    // The upstream's echo of the request id, else the gateway's own.
    if (field_value(answer, "x-request-id").empty()) {
      append_field(answer, "X-Request-ID", exchange.request_id);
    }
  }

  void answered(Exchange& exchange, int status) {
    finish_span(exchange, platform::tracing::SpanKind::kServer, exchange.started, status);
    counter("http_requests_total", "/api/v1/subjects/{id}").inc();
    histogram("http_request_duration_seconds", "/api/v1/subjects/{id}")
        .observe(seconds_since(exchange.started));
  }

 private:
  static void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  // Authorization, and what the gateway sets: a client's own is not passed on.
  static bool sets_itself(std::string_view name) {
    for (const std::string_view own :
         {"Authorization", "X-User-ID", "X-User-Roles", "X-User-Signature", "X-Request-ID",
          "traceparent", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"}) {
      if (platform::core::iequals(name, own)) return true;
    }
    return false;
  }
  static std::string_view bearer_token(std::string_view head) {
    std::string_view value = field_value(head, "authorization");
    if (value.starts_with("Bearer ")) value.remove_prefix(7);
    return value;
  }

  // A series looked up by its labels on every request, in a cache, as the gateway does.
  platform::metrics::Counter& counter(std::string_view name, std::string_view label) {
    const platform::metrics::SeriesKey key{name, label};
    {
      std::shared_lock lock(cache_mutex_);
      if (auto found = counters_.find(key.view()); found != counters_.end()) return *found->second;
    }
    auto& made = registry_.counter(std::string(name), "Counted.", {{"of", std::string(label)}});
    std::unique_lock lock(cache_mutex_);
    counters_.emplace(key.text(), &made);
    return made;
  }
  platform::metrics::Histogram& histogram(std::string_view name, std::string_view label) {
    const platform::metrics::SeriesKey key{name, label};
    {
      std::shared_lock lock(cache_mutex_);
      if (auto found = histograms_.find(key.view()); found != histograms_.end()) {
        return *found->second;
      }
    }
    auto& made = registry_.histogram(std::string(name), "Timed.", {{"of", std::string(label)}});
    std::unique_lock lock(cache_mutex_);
    histograms_.emplace(key.text(), &made);
    return made;
  }

  platform::http::Caller caller_of(std::string_view token) {
    std::lock_guard lock(mutex_);
    auto found = callers_.find(std::string(token));
    if (found == callers_.end()) {
      found =
          callers_.emplace(std::string(token), platform::http::Caller{"bench", {"admin"}}).first;
    }
    return found->second;
  }

  // Written from views, as the gateway writes its spans (tracing::SpanView).
  void finish_span(const Exchange& exchange, platform::tracing::SpanKind kind,
                   std::chrono::steady_clock::time_point start, int status) {
    using platform::tracing::AttributeView;
    const bool server = kind == platform::tracing::SpanKind::kServer;
    std::array<AttributeView, 5> attributes;
    std::size_t count = 0;
    attributes[count++] = {"http.request.method", std::string_view("GET")};
    if (server) {
      attributes[count++] = {"http.route", std::string_view("/api/v1/subjects/{id}")};
      attributes[count++] = {"url.path", exchange.path};
    } else {
      attributes[count++] = {"server.address", std::string_view("upstream")};
    }
    attributes[count++] = {"http.response.status_code", std::int64_t{status}};
    if (server) attributes[count++] = {"request_id", exchange.request_id};
    tracer_.finish(
        platform::tracing::SpanView{
            .trace_id = exchange.trace_id,
            .span_id = server ? exchange.server_span_id : exchange.client_span_id,
            .parent_span_id = server ? std::string_view() : exchange.server_span_id,
            .name = server ? "GET /api/v1/subjects/{id}" : "GET",
            .kind = kind,
            .start_unix_nano = platform::tracing::unix_nanos_of(start),
            .end_unix_nano = platform::tracing::now_unix_nanos(),
            .attributes = std::span<const AttributeView>(attributes.data(), count)},
        true);
  }

  platform::logging::Logger logger_{"proxy-floor", "duties", platform::logging::Level::kWarn};
  platform::tracing::Tracer tracer_{{}, logger_};
  std::unique_ptr<platform::ratelimit::Limiter> limiter_ =
      platform::ratelimit::make_memory_limiter();
  platform::ratelimit::Policy policy_{"default", 1e6, 1'000'000};
  platform::http::IdentityKeys keys_;
  platform::metrics::Registry registry_;
  std::shared_mutex cache_mutex_;
  platform::metrics::SeriesCache<platform::metrics::Counter*> counters_;
  platform::metrics::SeriesCache<platform::metrics::Histogram*> histograms_;
  std::mutex mutex_;
  std::unordered_map<std::string, platform::http::Caller> callers_;
};

void consume(std::string& buffer, std::size_t& filled, std::size_t size) {
  std::memmove(buffer.data(), buffer.data() + size, filled - size);
  filled -= size;
}

Task<> relay(Socket client, tcp::endpoint upstream_address, std::string strip_prefix,
             Duties* duties) {
  Socket upstream(client.get_executor());
  if (auto [error] = co_await upstream.async_connect(upstream_address, kAwait); error) co_return;
  client.set_option(tcp::no_delay(true));
  upstream.set_option(tcp::no_delay(true));
  std::string request(kInitialBuffer, '\0');
  std::string response(kInitialBuffer, '\0');
  std::string forwarded;
  std::string answer;
  std::size_t request_filled = 0;
  std::size_t response_filled = 0;
  for (;;) {
    const std::size_t request_size = co_await read_message(client, request, request_filled);
    if (request_size == 0) co_return;
    // "GET /api/v1/subjects/1 HTTP/1.1..." -> "GET /subjects/1 HTTP/1.1...".
    const std::string_view message(request.data(), request_size);
    const std::size_t target = message.find(' ') + 1;
    forwarded.assign(message.substr(0, target));
    std::string_view rest = message.substr(target);
    if (rest.starts_with(strip_prefix)) rest.remove_prefix(strip_prefix.size());
    std::optional<Duties::Exchange> exchange;
    if (duties == nullptr) {
      forwarded.append(rest);
    } else {
      exchange.emplace();
      const std::size_t head_end = rest.find("\r\n\r\n");
      const std::size_t line_end = rest.find("\r\n");
      exchange->path = rest.substr(0, rest.find(' '));
      forwarded.append(rest.substr(0, line_end + 2));
      duties->forward_fields(*exchange, rest.substr(0, head_end), forwarded);
      forwarded.append(rest.substr(head_end + 2));
    }
    consume(request, request_filled, request_size);
    if (auto [error, n] = co_await asio::async_write(upstream, asio::buffer(forwarded), kAwait);
        error)
      co_return;
    const std::size_t response_size = co_await read_message(upstream, response, response_filled);
    if (response_size == 0) co_return;
    const std::string_view received(response.data(), response_size);
    int status = 0;
    if (received.size() > 12) std::from_chars(received.data() + 9, received.data() + 12, status);
    std::string_view sent = received;
    if (exchange) {
      const std::size_t head_end = received.find("\r\n\r\n");
      answer.assign(received.substr(0, head_end + 2));
      duties->answer_fields(*exchange, status, answer);
      answer.append(received.substr(head_end + 2));
      sent = answer;
    }
    if (auto [error, n] = co_await asio::async_write(client, asio::buffer(sent), kAwait); error)
      co_return;
    consume(response, response_filled, response_size);
    if (exchange) duties->answered(*exchange, status);
  }
}

Task<> accept(Acceptor& acceptor, tcp::endpoint upstream_address, std::string strip_prefix,
              Duties* duties) {
  for (;;) {
    Socket client(acceptor.get_executor());
    if (auto [error] = co_await acceptor.async_accept(client, kAwait); error) {
      // Out of descriptors, say: let connections close rather than spin.
      asio::basic_waitable_timer<std::chrono::steady_clock,
                                 asio::wait_traits<std::chrono::steady_clock>, Executor>
          pause(acceptor.get_executor(), std::chrono::milliseconds(10));
      co_await pause.async_wait(kAwait);
      continue;
    }
    asio::co_spawn(acceptor.get_executor(),
                   relay(std::move(client), upstream_address, strip_prefix, duties),
                   asio::detached);
  }
}

unsigned short port_of(const char* text) {
  const long port = std::strtol(text, nullptr, 10);
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "proxy-floor: not a port: %s\n", text);
    std::exit(2);
  }
  return static_cast<unsigned short>(port);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short listen_port = 0;
  unsigned short upstream_port = 0;
  std::string strip_prefix;
  bool with_duties = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view option = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : "";
    if (option == "--duties") {
      with_duties = true;
      continue;
    }
    if (option == "--listen") {
      listen_port = port_of(value);
    } else if (option == "--upstream") {
      upstream_port = port_of(value);
    } else if (option == "--strip-prefix") {
      strip_prefix = value;
    } else {
      std::fprintf(stderr, "proxy-floor: unknown option %s\n", argv[i]);
      return 2;
    }
    ++i;
  }
  if (listen_port == 0 || upstream_port == 0) {
    std::fprintf(stderr,
                 "usage: proxy-floor --listen PORT --upstream PORT "
                 "[--strip-prefix PREFIX] [--duties]\n");
    return 2;
  }
  try {
    std::unique_ptr<Duties> duties = with_duties ? std::make_unique<Duties>() : nullptr;
    asio::io_context context(1);
    const auto loopback = asio::ip::make_address("127.0.0.1");
    Acceptor acceptor(context.get_executor(), tcp::endpoint(loopback, listen_port));
    asio::co_spawn(
        context.get_executor(),
        accept(acceptor, tcp::endpoint(loopback, upstream_port), strip_prefix, duties.get()),
        asio::detached);
    context.run();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "proxy-floor: %s\n", error.what());
    return 1;
  }
}
