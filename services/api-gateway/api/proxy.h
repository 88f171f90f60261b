// The gateway's one handler: every public request goes through it, in this order:
//   CORS preflight -> route (404/405) -> authentication (401) -> roles (403)
//   -> rate limit (429, or 503 when the limiter's backend fails closed)
//   -> the upstream through its resilient client (502/503/504, stale-if-error)
//   -> response changes (Location, header rules, security headers, CORS, gzip, problems).
// Every answer the gateway makes itself is problem+json with the request id.
//
//   Proxy proxy(routes, {.authenticate = ..., .limit = ..., .upstreams = ...}, registry, logger);
//   router.add_async("GET", "/{path...}", [&](Request& r, Responder respond) {
//     proxy.handle(r, std::move(respond)); }, Execution::kInline);
//   router.add_streamed("POST", "/{path...}", [&](Request& r) { return proxy.handle(r); });
//
// Bodies stream both ways: a request body is read from the client while it is sent to
// the upstream, an answer larger than kBufferedAnswerBytes is read from the upstream while
// it is written to the client; neither is ever held whole. A client that hangs up cancels
// its upstream call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/stale_cache.h"
#include "domain/route_table.h"
#include "platform/http/identity.h"
#include "platform/http/router.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"
#include "platform/resilience/peer_client.h"

namespace api_gateway::api {

// The current route table; swapped whole when the routes change.
class RouteSource {
 public:
  explicit RouteSource(std::shared_ptr<const domain::RouteTable> table)
      : table_(std::move(table)) {}
  std::shared_ptr<const domain::RouteTable> current() const {
    std::lock_guard lock(mutex_);
    return table_;
  }
  void replace(std::shared_ptr<const domain::RouteTable> table) {
    std::lock_guard lock(mutex_);
    table_ = std::move(table);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const domain::RouteTable> table_;
};

// A verified token's caller, or why the token was refused.
struct Identity {
  std::string subject;
  std::vector<std::string> roles;
};
struct TokenRefusal {
  std::string reason;  // metric label: "expired", "bad_signature", ...
  std::string detail;  // for the client
};
using Authenticate = std::function<std::variant<Identity, TokenRefusal>(std::string_view token)>;

// A rate-limit decision and the headers it adds to the answer.
struct LimitDecision {
  bool allowed = true;
  bool backend_failed_closed = false;  // the limiter could not decide and refuses (503)
  std::chrono::milliseconds retry_after{0};
  std::vector<std::pair<std::string, std::string>> headers;  // RateLimit, RateLimit-Policy
};
// Decides for the caller (its user id, "" when anonymous, and its address) under
// `policy`; calls `done` once, now or later, on any thread.
using Limit =
    std::function<void(const domain::RateLimitPolicy& policy, const std::string& user_id,
                       const std::string& client_address, std::function<void(LimitDecision)> done)>;

// The resilient client of a route's upstream.
using UpstreamFor = std::function<platform::resilience::PeerClient&(const domain::RouteSpec&)>;

struct ProxyOptions {
  Authenticate authenticate;  // null: every token is refused
  Limit limit;                // null: no rate limits
  UpstreamFor upstreams;
  std::shared_ptr<const platform::http::IdentityKeys> identity_keys;  // signs X-User-*
  // Whether the gateway serves behind TLS (adds HSTS); the gateway itself speaks http.
  bool behind_tls = false;
  // X-Forwarded-* from the client are kept (and appended to) only when it is a trusted
  // proxy; otherwise they are replaced.
  bool trust_forwarded_headers = false;
  bool gzip = true;
  std::size_t stale_cache_bytes = std::size_t{64} * 1024 * 1024;
};

// Answers up to this size are read whole and passed on at once; larger ones stream.
inline constexpr std::uint64_t kBufferedAnswerBytes = std::uint64_t{256} * 1024;

class Proxy {
 public:
  Proxy(const RouteSource& routes, ProxyOptions options, platform::metrics::Registry& registry,
        platform::logging::Logger& logger);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // The asynchronous form (network thread: never blocks).
  void handle(platform::http::Request& request, platform::http::Responder respond);
  // The blocking form, for requests with a streamed body (a worker thread).
  platform::http::Response handle(platform::http::Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The gateway's own problem answers: RFC 9457 with the request id.
platform::http::Response gateway_problem(int status, std::string_view detail,
                                         const platform::http::Request& request);
platform::http::Response gateway_problem(const platform::core::Error& error,
                                         const platform::http::Request& request);

}  // namespace api_gateway::api
