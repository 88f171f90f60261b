#include "api/proxy.h"

#include <boost/json.hpp>
#include <future>
#include <mutex>

#include "api/compression.h"
#include "platform/core/problem.h"
#include "platform/core/strings.h"

namespace api_gateway::api {

namespace {

// About how many header fields the gateway adds to a request or an answer it passes on.
constexpr std::size_t kAddedFields = 10;
// And about how many bytes of names and values (the identity's signature is the longest).
constexpr std::size_t kAddedFieldsBytes = 512;

using platform::core::Error;
using platform::core::ErrorCode;
using platform::http::Request;
using platform::http::Responder;
using platform::http::Response;
using Clock = std::chrono::steady_clock;

bool is_read(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// The request body, read from the client while it is sent upstream (on the client's body
// thread; the handler's thread waits for the answer meanwhile, so the reader lives). A
// failed read ends the upstream call with the read's own error, marked as the request
// body's (Error::request_body_failed): the client's fault, not the upstream's.
class ClientBody : public platform::http::BodySource {
 public:
  explicit ClientBody(platform::http::BodyReader& reader) : reader_(reader) {}
  std::optional<std::uint64_t> size() const override { return reader_.content_length(); }
  platform::core::Result<std::size_t> read(std::span<char> buffer) override {
    return reader_.read(buffer);
  }

 private:
  platform::http::BodyReader& reader_;
};

// The upstream's answer body, read while it is written to the client.
class UpstreamBody : public platform::http::BodySource {
 public:
  UpstreamBody(std::shared_ptr<platform::http::BodyReader> reader,
               std::optional<std::uint64_t> size)
      : reader_(std::move(reader)), size_(size) {}
  std::optional<std::uint64_t> size() const override { return size_; }
  platform::core::Result<std::size_t> read(std::span<char> buffer) override {
    return reader_->read(buffer);
  }

 private:
  std::shared_ptr<platform::http::BodyReader> reader_;
  std::optional<std::uint64_t> size_;
};

// Headers a client may not set for the services: the gateway's own, and what it sets.
bool is_gateway_owned(std::string_view name) {
  static constexpr std::string_view kOwned[] = {"X-User-ID",    "X-User-Roles",  "X-User-Signature",
                                                "X-Request-ID", "traceparent",   "tracestate",
                                                "Host",         "Authorization", "Content-Length"};
  for (const auto owned : kOwned)
    if (platform::core::iequals(name, owned)) return true;
  // Every X-User-* header, not only the three the contract names.
  return name.size() >= 7 && platform::core::iequals(name.substr(0, 7), "X-User-");
}

void apply(const domain::HeaderRules& rules, platform::http::Headers& headers) {
  for (const auto& name : rules.remove) headers.remove(name);
  for (const auto& [from, to] : rules.rename) {
    if (const auto value = headers.find(from)) {
      const std::string kept(*value);
      headers.remove(from);
      headers.set(to, kept);
    }
  }
  for (const auto& [name, value] : rules.set) headers.set(name, value);
}

}  // namespace

namespace {

// The request id, in the problem body too: what a client quotes when it reports one.
Response with_request_id(Response response, const Request& request) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(response.body, ec);
  if (!ec && parsed.is_object()) {
    parsed.as_object()["request_id"] = request.trace.request_id;
    response.body = boost::json::serialize(parsed);
  }
  return response;
}

// A "." or ".." segment, as sent or percent-encoded: a path that would climb out of the
// route's prefix at a server that resolves them.
bool has_dot_segment(std::string_view path) {
  // Segment by segment, without a list of them: every request is looked at.
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    start = slash + 1;
    int dots = 0;  // '.' or %2e each; anything else: not a dot segment
    bool only_dots = !segment.empty();
    for (std::size_t i = 0; i < segment.size() && only_dots; ++i, ++dots) {
      if (segment[i] == '.') continue;
      only_dots = segment[i] == '%' && i + 2 < segment.size() &&
                  platform::core::iequals(segment.substr(i + 1, 2), "2e");
      i += 2;
    }
    if (only_dots && dots <= 2) return true;
  }
  return false;
}

}  // namespace

Response gateway_problem(int status, std::string_view detail, const Request& request) {
  return with_request_id(Response::problem(status, detail, request.path), request);
}

Response gateway_problem(const Error& error, const Request& request) {
  return with_request_id(Response::problem(error, request), request);
}

struct Proxy::Impl {
  // What one forwarded request needs once its handler has returned.
  struct Exchange {
    std::shared_ptr<const domain::RouteTable> table;  // keeps `route` alive
    const domain::RouteSpec* route = nullptr;
    Request summary;  // method, path, trace, headers the answer depends on (no body)
    platform::resilience::PeerRequest outgoing;
    std::string cache_key;
    bool gzip_accepted = false;
    std::string origin;
    std::vector<std::pair<std::string, std::string>> limit_headers;
    Clock::time_point started;
    Responder respond;
  };
  using ExchangePtr = std::shared_ptr<Exchange>;

  Impl(const RouteSource& route_source, ProxyOptions proxy_options,
       platform::metrics::Registry& metrics, platform::logging::Logger& log)
      : routes(route_source),
        options(std::move(proxy_options)),
        registry(metrics),
        logger(log),
        stale(options.stale_cache_bytes) {}

  // ---- the pipeline -----------------------------------------------------------------------

  void handle(Request& request, Responder respond) {
    auto exchange = std::make_shared<Exchange>();
    exchange->started = Clock::now();
    exchange->respond = std::move(respond);
    exchange->table = routes.current();
    exchange->origin = std::string(request.headers.get("Origin"));
    exchange->summary.method = request.method;
    exchange->summary.path = request.path;
    exchange->summary.trace = request.trace;

    if (request.method == "OPTIONS" && !exchange->origin.empty() &&
        request.headers.contains("Access-Control-Request-Method")) {
      return answer(exchange, preflight(*exchange, request));
    }
    if (has_dot_segment(request.path)) {
      return answer(exchange,
                    gateway_problem(400, "a path may not contain . or .. segments", request));
    }
    const domain::RouteMatch match = exchange->table->match(request.path);
    if (match.route == nullptr) {
      return answer(exchange, gateway_problem(404, "no route serves this path", request));
    }
    exchange->route = match.route;
    const domain::RouteSpec& route = *match.route;
    request.route = route.prefix;  // the server's metrics and span name the gateway's route
    if (!domain::method_allowed(route, request.method)) {
      Response refused =
          gateway_problem(405, "the method " + request.method + " is not allowed here", request);
      refused.headers.set("Allow", join(route.methods, ", "));
      return answer(exchange, std::move(refused));
    }

    // Who calls, and may they.
    platform::http::Caller caller;
    if (route.access != domain::Access::kPublic) {
      if (request.headers.count("Authorization") > 1) {
        // Two credentials: which one would the services think we checked?
        return answer(exchange, gateway_problem(400, "send one Authorization header", request));
      }
      const std::string_view authorization = request.headers.get("Authorization");
      if (!authorization.empty()) {
        if (authorization.size() < 7 ||
            !platform::core::iequals(authorization.substr(0, 7), "Bearer ")) {
          return answer(exchange, unauthorized(request, "invalid_request", "malformed",
                                               "the Authorization header must be Bearer <token>"));
        }
        const std::string_view token = platform::core::trim(authorization.substr(7));
        auto verified = options.authenticate
                            ? options.authenticate(token)
                            : std::variant<Identity, TokenRefusal>(TokenRefusal{
                                  "no_keys", "the gateway has no key to check tokens"});
        if (auto* refusal = std::get_if<TokenRefusal>(&verified)) {
          return answer(exchange, unauthorized(request, "invalid_token", refusal->reason,
                                               "the token is not valid: " + refusal->detail));
        }
        auto& identity = std::get<Identity>(verified);
        caller.user_id = std::move(identity.subject);
        caller.roles = std::move(identity.roles);
      }
      // An optional route lets anonymous callers read, and do whatever the route asks no
      // role for.
      const bool anonymous_allowed =
          route.access == domain::Access::kOptional &&
          (is_read(request.method) || domain::required_role(route, request.method).empty());
      if (!caller.authenticated() && !anonymous_allowed) {
        return answer(exchange, unauthorized(request, "", "missing", "a bearer token is required"));
      }
      if (caller.authenticated()) {
        const std::string_view role = domain::required_role(route, request.method);
        if (!domain::grants(caller.roles, role)) {
          count_auth_failure("forbidden");
          return answer(exchange, gateway_problem(403,
                                                  "the role " + std::string(role) +
                                                      " is needed to " + request.method + " here",
                                                  request));
        }
      }
    }

    prepare(*exchange, request, match, caller);

    const auto policy = exchange->table->rate_limit(route);
    if (!policy || !options.limit) return forward(exchange);
    options.limit(
        *policy, caller.user_id, request.remote_address,
        [this, exchange](LimitDecision&& decision) {
          exchange->limit_headers = std::move(decision.headers);
          if (decision.allowed) return forward(exchange);
          const auto seconds =
              std::max<std::int64_t>(1, (decision.retry_after.count() + 999) / 1000);
          Response refused =
              decision.backend_failed_closed
                  ? gateway_problem(503, "the rate limiter cannot decide now; try again shortly",
                                    exchange->summary)
                  : gateway_problem(429, "too many requests; slow down", exchange->summary);
          refused.headers.set("Retry-After", std::to_string(seconds));
          answer(exchange, std::move(refused));
        });
  }

  Response handle_blocking(Request& request) {
    auto promise = std::make_shared<std::promise<Response>>();
    auto answered = promise->get_future();
    handle(request, [promise](Response response) { promise->set_value(std::move(response)); });
    return answered.get();
  }

  // The request for the upstream: rewritten target, the client's headers without the
  // ones the gateway owns, forwarded headers, the caller's signed identity.
  void prepare(Exchange& exchange, Request& request, const domain::RouteMatch& match,
               const platform::http::Caller& caller) {
    const domain::RouteSpec& route = *match.route;
    auto& outgoing = exchange.outgoing;
    outgoing.method = request.method;
    outgoing.target = match.upstream_path;
    if (!request.query.empty()) outgoing.target += "?" + request.query;
    // The client's fields, then the forwarded ones, the identity and the route's own.
    std::size_t text_bytes = kAddedFieldsBytes;
    for (const auto& field : request.headers) text_bytes += field.name.size() + field.value.size();
    outgoing.headers.reserve(request.headers.size() + kAddedFields, text_bytes);
    for (const auto& field : request.headers) {
      if (is_gateway_owned(field.name)) continue;
      if (!options.trust_forwarded_headers &&
          (platform::core::iequals(field.name, "X-Forwarded-For") ||
           platform::core::iequals(field.name, "X-Forwarded-Proto") ||
           platform::core::iequals(field.name, "X-Forwarded-Host") ||
           platform::core::iequals(field.name, "Forwarded")))
        continue;
      outgoing.headers.add(field.name, field.value);
    }
    std::string forwarded_for(request.headers.get("X-Forwarded-For"));
    if (!options.trust_forwarded_headers || forwarded_for.empty()) {
      forwarded_for = request.remote_address;
    } else {
      forwarded_for += ", " + request.remote_address;
    }
    outgoing.headers.set("X-Forwarded-For", forwarded_for);
    if (!options.trust_forwarded_headers || !request.headers.contains("X-Forwarded-Proto"))
      outgoing.headers.set("X-Forwarded-Proto", options.behind_tls ? "https" : "http");
    if (!options.trust_forwarded_headers || !request.headers.contains("X-Forwarded-Host"))
      outgoing.headers.set("X-Forwarded-Host", request.headers.get("Host"));
    if (caller.authenticated() && options.identity_keys) {
      outgoing.headers.set(platform::http::kUserIdHeader, caller.user_id);
      outgoing.headers.set(platform::http::kUserRolesHeader, join(caller.roles, ","));
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      outgoing.headers.set(platform::http::kUserSignatureHeader,
                           platform::http::sign_identity(*options.identity_keys, caller,
                                                         request.trace.request_id, now));
    }
    apply(route.request_headers, outgoing.headers);
    outgoing.timeout = route.timeout;
    outgoing.attempt_timeout = route.attempt_timeout;
    outgoing.max_attempts = route.max_attempts;
    outgoing.deadline = request.deadline;
    outgoing.stream_response = true;
    outgoing.buffer_response_up_to = kBufferedAnswerBytes;
    outgoing.cancellation = request.cancellation;
    if (request.body_reader != nullptr) {
      outgoing.body_source = std::make_shared<ClientBody>(*request.body_reader);
    } else {
      outgoing.body = request.body;
    }
    const std::string_view encodings = request.headers.get("Accept-Encoding");
    exchange.gzip_accepted = options.gzip && accepts_gzip(encodings);
    if (route.cacheable && (request.method == "GET" || request.method == "HEAD")) {
      exchange.cache_key =
          request.method + " " + request.target + " " +
          (caller.authenticated() ? "roles=" + join(caller.roles, ",") : std::string("anonymous"));
    }
  }

  void forward(const ExchangePtr& exchange) {
    const std::string& upstream_name =
        exchange->route->upstream.empty() ? exchange->route->name : exchange->route->upstream;
    platform::resilience::PeerClient* upstream = nullptr;
    try {
      upstream = &options.upstreams(*exchange->route);
    } catch (const std::exception& error) {
      logger.error(
          exchange->summary.trace.log_context(), "no client for the route's upstream",
          {{"route", exchange->route->name}, {"upstream", upstream_name}, {"error", error.what()}});
      return answer(exchange, gateway_problem(502, "the route's upstream is not configured",
                                              exchange->summary));
    }
    exchange->outgoing.trace = &exchange->summary.trace;
    upstream->start(std::move(exchange->outgoing),
                    [this, exchange](platform::resilience::PeerResult&& result) {
                      answer(exchange, from_upstream(*exchange, std::move(result)));
                    });
  }

  // ---- answers ----------------------------------------------------------------------------

  Response from_upstream(Exchange& exchange, platform::resilience::PeerResult&& result) {
    const domain::RouteSpec& route = *exchange.route;
    const Request& request = exchange.summary;
    if (!result) {
      const Error& error = result.error();
      if (error.request_body_failed()) {
        // The client's own body broke the call: its error, not the upstream's.
        if (error.code() == ErrorCode::kDeadlineExceeded) {
          return gateway_problem(408, error.detail(), request);
        }
        return gateway_problem(error, request);
      }
      if (error.code() == ErrorCode::kInvalidArgument) {
        // The client would not send what the caller asked for: the caller's error (a '%'
        // without two hex digits, a character a URI may not hold), not the upstream's.
        return gateway_problem(
            400, "the path or query is not a valid URI (RFC 3986) and cannot be passed on",
            request);
      }
      if (auto fallback = stale_answer(exchange)) return std::move(*fallback);
      if (error.code() == ErrorCode::kDeadlineExceeded) {
        return gateway_problem(504, route.upstream + " did not answer in time", request);
      }
      if (error.retry_after()) {
        // The breaker is open, the bulkhead full or no instance known: the client is told
        // when to come back, and the upstream was not touched.
        Response refused = gateway_problem(error, request);
        return refused;
      }
      return gateway_problem(502, error.detail(), request);
    }
    platform::http::ClientResponse& upstream = *result;
    if (upstream.status >= 500) {
      if (auto fallback = stale_answer(exchange)) return std::move(*fallback);
    }
    Response response;
    response.status = upstream.status;
    std::optional<std::uint64_t> size;
    if (const auto length = upstream.headers.find("Content-Length"))
      size = platform::core::parse_integer<std::uint64_t>(*length);
    // The upstream's header fields as they are (moved, not copied), but for the length
    // (the gateway's own framing), the request id (the server sets it) and Location
    // (mapped back under the public prefix).
    response.headers = std::move(upstream.headers);
    // The security, rate-limit and CORS fields to come (the client left room for about as
    // many: then this costs nothing).
    response.headers.reserve(response.headers.size() + kAddedFields);
    // The length is the gateway's own framing, but for HEAD, where it tells the size of
    // the GET's body.
    if (request.method != "HEAD") response.headers.remove("Content-Length");
    response.headers.remove("X-Request-ID");
    if (const auto location = response.headers.find("Location"))
      response.headers.set("Location", domain::public_location(route, *location));
    if (upstream.body_stream) {
      response.body_source = std::make_shared<UpstreamBody>(std::move(upstream.body_stream), size);
    } else {
      response.body = std::move(upstream.body);
      if (upstream.status >= 400) {
        if (is_problem(response)) {
          complete_problem(response, route, request);
        } else {
          wrap_as_problem(response, request);
        }
        // The GET's error body is the gateway's rewrite (or wrap) of the upstream's, whose
        // length a HEAD's answer cannot tell (RFC 9110 §8.6: then none is declared).
        if (request.method == "HEAD") {
          response.headers.remove("Content-Length");
          response.body.clear();
        }
      }
    }
    apply(route.response_headers, response.headers);
    if (!exchange.cache_key.empty() && upstream.status == 200 && !response.body_source)
      stale.store(exchange.cache_key, response, Clock::now());
    return response;
  }

  std::optional<Response> stale_answer(Exchange& exchange) {
    if (exchange.cache_key.empty()) return std::nullopt;
    auto kept = stale.find(exchange.cache_key, Clock::now(), exchange.route->stale_if_error);
    if (!kept) return std::nullopt;
    registry
        .counter("gateway_stale_answers_total",
                 "Answers served from the last good copy because the upstream failed.",
                 {{"route", exchange.route->name}})
        .inc();
    Response response = std::move(kept->response);
    response.headers.set("Age", std::to_string(kept->age.count()));
    response.headers.set("Warning", "110 - \"Response is Stale\"");
    return response;
  }

  static bool is_problem(const Response& response) {
    return response.headers.get("Content-Type").starts_with("application/problem+json");
  }

  // An upstream's problem names the request it answered by the upstream's path
  // ("/subjects/42"), which the client never called: "instance" is mapped back under the
  // route's public prefix, as Location is. It also gets the request id, as the gateway's
  // own problems have it, for the client to quote. A compressed body is passed on as it is.
  static void complete_problem(Response& response, const domain::RouteSpec& route,
                               const Request& request) {
    if (response.headers.find("Content-Encoding")) return;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(response.body, ec);
    if (ec || !parsed.is_object()) return;
    auto& problem = parsed.as_object();
    if (auto* instance = problem.if_contains("instance"); instance && instance->is_string()) {
      *instance = domain::public_location(route, instance->as_string());
    }
    if (!problem.contains("request_id")) problem["request_id"] = request.trace.request_id;
    response.body = boost::json::serialize(parsed);
  }

  // An upstream error that is not problem+json (a proxy's HTML page) becomes one.
  static void wrap_as_problem(Response& response, const Request& request) {
    std::string detail = response.body.substr(0, 200);
    for (char& c : detail)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    Response wrapped = gateway_problem(
        response.status, detail.empty() ? "the upstream answered with an error" : detail, request);
    response.headers.remove("Content-Type");
    response.headers.remove("Content-Encoding");
    response.headers.set("Content-Type", wrapped.headers.get("Content-Type"));
    response.body = std::move(wrapped.body);
  }

  Response unauthorized(const Request& request, std::string_view error, std::string_view reason,
                        std::string_view detail) {
    count_auth_failure(reason);
    Response response = gateway_problem(401, detail, request);
    std::string challenge = "Bearer realm=\"syllabus-platform\"";
    if (!error.empty()) challenge += ", error=\"" + std::string(error) + "\"";
    response.headers.set("WWW-Authenticate", challenge);
    return response;
  }

  void count_auth_failure(std::string_view reason) {
    registry
        .counter("gateway_auth_failures_total", "Requests refused by authentication or roles.",
                 {{"reason", std::string(reason)}})
        .inc();
  }

  Response preflight(const Exchange& exchange, const Request& request) const {
    const auto& cors = exchange.table->config().cors;
    if (!cors.allows(exchange.origin)) {
      return gateway_problem(403, "this origin may not call the API", request);
    }
    Response response = Response::no_content();
    response.headers.set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE");
    response.headers.set("Access-Control-Allow-Headers", join(cors.allow_headers, ", "));
    response.headers.set("Access-Control-Max-Age", std::to_string(cors.max_age.count()));
    return response;
  }

  // Everything every answer gets, then the answer goes out.
  void answer(const ExchangePtr& exchange, Response&& response) {
    auto& headers = response.headers;
    if (!headers.contains("X-Content-Type-Options"))
      headers.set("X-Content-Type-Options", "nosniff");
    if (!headers.contains("X-Frame-Options")) headers.set("X-Frame-Options", "DENY");
    if (!headers.contains("Referrer-Policy")) headers.set("Referrer-Policy", "no-referrer");
    if (options.behind_tls && !headers.contains("Strict-Transport-Security"))
      headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    const auto& cors = exchange->table->config().cors;
    if (cors.allows(exchange->origin)) {
      headers.set("Access-Control-Allow-Origin", exchange->origin);
      headers.add("Vary", "Origin");
      if (!cors.expose_headers.empty())
        headers.set("Access-Control-Expose-Headers", join(cors.expose_headers, ", "));
    }
    for (const auto& [name, value] : exchange->limit_headers) headers.set(name, value);
    if (exchange->gzip_accepted && !response.body_source) gzip_if_worth_it(response);
    const std::string& route = exchange->route ? exchange->route->name : kNoRoute;
    const RouteMetrics metrics = metrics_of(route, exchange->summary.method, response.status);
    metrics.requests->inc();
    metrics.duration->observe(
        std::chrono::duration<double>(Clock::now() - exchange->started).count());
    Responder respond = std::move(exchange->respond);
    respond(std::move(response));
  }

  // The series of a route, method and status, looked up in the registry once (a lookup
  // renders the labels: too slow for every request). The duration has the method so that
  // a latency objective can leave out uploads, answered only once their body arrived.
  struct RouteMetrics {
    platform::metrics::Counter* requests = nullptr;
    platform::metrics::Histogram* duration = nullptr;
  };
  RouteMetrics metrics_of(const std::string& route, std::string_view method, int status) {
    const std::string_view method_label = platform::http::method_label(method);
    const platform::metrics::IntegerText status_text(status);
    thread_local platform::metrics::RecentSeries<RouteMetrics, 3> recent;
    if (const RouteMetrics* kept =
            recent.find(series_owner, {route, method_label, status_text.view()}))
      return *kept;
    const platform::metrics::SeriesKey key{route, method_label, status_text.view()};
    std::lock_guard lock(metrics_mutex);
    auto found = route_metrics.find(key.view());
    if (found == route_metrics.end())
      found = route_metrics.emplace(key.text(), RouteMetrics{}).first;
    RouteMetrics& slot = found->second;
    if (slot.requests == nullptr) {
      slot.requests = &registry.counter(
          "gateway_requests_total", "Requests through the gateway by route and status.",
          {{"route", route}, {"status", std::string(status_text.view())}});
      slot.duration = &registry.histogram(
          "gateway_request_duration_seconds",
          "Time from a request's arrival to its answer's start, by route and method.",
          {{"route", route}, {"method", std::string(method_label)}});
    }
    recent.keep(series_owner, {route, method_label, status_text.view()}, slot);
    return slot;
  }
  static inline const std::string kNoRoute = "none";

  std::mutex metrics_mutex;
  platform::metrics::SeriesCache<RouteMetrics> route_metrics;
  const std::uint64_t series_owner = platform::metrics::next_series_owner();
  const RouteSource& routes;
  ProxyOptions options;
  platform::metrics::Registry& registry;
  platform::logging::Logger& logger;
  StaleCache stale;
};

Proxy::Proxy(const RouteSource& routes, ProxyOptions options, platform::metrics::Registry& registry,
             platform::logging::Logger& logger)
    : impl_(std::make_unique<Impl>(routes, std::move(options), registry, logger)) {}

Proxy::~Proxy() = default;

void Proxy::handle(Request& request, Responder respond) {
  impl_->handle(request, std::move(respond));
}

Response Proxy::handle(Request& request) {
  return impl_->handle_blocking(request);
}

}  // namespace api_gateway::api
