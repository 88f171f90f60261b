// Calls to one peer service under the platform's resilience policy (docs/resilience.md):
// the one way a service (and the gateway) talks to another.
//
//   PeerClient subjects({.peer = "subject-service",
//                        .endpoints = discovery_urls(discovery, "subject-service")},
//                       &registry, &logger);
//   auto response = subjects.send({.target = "/subjects/" + id, .trace = &request.trace,
//                                  .deadline = request.deadline});
//   if (!response) return Response::problem(response.error(), request);  // 503 + Retry-After
//   if (response->status == 404) return invalid("subject_id", "does not exist");
//
// Each call:
// - is refused at once (kUnavailable, with Retry-After) when the peer's circuit breaker is
//   open or the bulkhead (max_concurrent_calls in flight) is full;
// - goes to the next healthy instance (round robin, outliers ejected), over pooled
//   keep-alive connections;
// - has one deadline: the caller's (its own request's deadline) or `timeout`, whichever
//   ends first; each attempt has at most attempt_timeout of it, and the time left is sent
//   as X-Request-Timeout-Ms so that the callee stops working for a caller that gave up;
// - carries X-Request-ID and a traceparent with a new span id;
// - is retried, only when idempotent (GET, HEAD, PUT, DELETE, OPTIONS, or said so) and
//   only after a connection error, a timeout, 502, 503, 504 or 429, on another instance
//   when there is one, after a full-jitter backoff or the peer's Retry-After, while the
//   deadline allows it and the retry budget holds.
// The answer of the last attempt is returned as it is (a peer's 5xx stays a value the
// caller maps); transport failures are errors as http::Client makes them. A request the
// client refused to send (kInvalidArgument: a target that is not a URI) or whose streamed
// body could not be read (the body source's own error) is the caller's fault: it ends at
// once with that error, counted as outcome "refused", never held against the peer by the
// breaker or the outlier ejection.
//
// Metrics (label peer): peer_calls_total{outcome,status}, peer_call_duration_seconds,
// peer_retries_total, peer_retries_refused_total (the budget said no),
// peer_circuit_state (0 closed, 1 half-open, 2 open), peer_circuit_transitions_total{to},
// peer_ejections_total, peer_bulkhead_rejections_total, peer_calls_in_flight. Each
// breaker transition is logged once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "platform/core/result.h"
#include "platform/http/client.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"
#include "platform/resilience/circuit_breaker.h"
#include "platform/resilience/endpoints.h"
#include "platform/resilience/retry.h"

namespace platform::tracing {
class Tracer;
}

namespace platform::resilience {

struct PeerOptions {
  std::string peer;  // "subject-service": metric label and how errors name it
  EndpointSource endpoints;
  // Narrows each pick to some of `endpoints` (a blue-green traffic split,
  // discovery_traffic); empty: none.
  EndpointSource preferred_endpoints;
  std::chrono::milliseconds timeout{2000};  // a call's deadline when its caller has none
  std::chrono::milliseconds attempt_timeout{1000};
  int max_attempts = 3;
  BackoffOptions backoff;
  RetryBudgetOptions retry_budget;
  BreakerOptions breaker;
  OutlierOptions outlier;
  std::size_t max_concurrent_calls = 64;  // the bulkhead; 0: no cap
  http::ClientOptions client;             // pool and connect timeout; peer_name is `peer`
  ClockFunction clock = Clock::now;       // breaker, budget and ejection time (tests)
  // A client span per call of a traced request (PeerRequest::trace): named "<method>
  // <peer>", its attempts, retries and the breaker's refusals as events, its id sent as
  // the traceparent's parent. Null: no spans. Must outlive the client.
  tracing::Tracer* tracer = nullptr;
  // Active health checks: every health_interval (the first at once), GET
  // <instance><health_path> on each known instance; one that does not answer 2xx within
  // health_timeout is passed over until it does (while another instance passes). Empty:
  // none, the instances are judged by their answers only (outlier ejection).
  std::string health_path;
  std::chrono::milliseconds health_interval{5000};
  std::chrono::milliseconds health_timeout{1000};
};

struct PeerRequest {
  std::string method = "GET";
  std::string target;  // path and query: "/subjects/42"
  http::Headers headers;
  std::string body;
  // Whether sending it twice is harmless; by default, by its method.
  std::optional<bool> idempotent;
  const http::TraceContext* trace = nullptr;
  // The caller's own deadline (http::Request::deadline), if it has one.
  std::optional<Clock::time_point> deadline;
  std::optional<std::chrono::milliseconds> timeout;  // instead of PeerOptions::timeout
  // Per call instead of PeerOptions' (a gateway's routes each have their own).
  std::optional<std::chrono::milliseconds> attempt_timeout;
  std::optional<int> max_attempts;

  // Streaming, for a proxy: a request body read while it is sent (never sent twice: a
  // call with one makes a single attempt), and an answer whose body is read through
  // ClientResponse::body_stream unless it is at most buffer_response_up_to bytes
  // (http::CallOptions).
  std::shared_ptr<http::BodySource> body_source;
  bool stream_response = false;
  std::uint64_t buffer_response_up_to = 0;
  // Ends the call (and its retries) when cancelled: the proxied client went away. The
  // callback then gets kUnavailable "cancelled".
  std::shared_ptr<http::Cancellation> cancellation;
};

// What a call to a peer returned, or why it failed.
using PeerResult = core::Result<http::ClientResponse>;

class PeerClient {
 public:
  using Callback = std::function<void(PeerResult)>;

  PeerClient(PeerOptions options, metrics::Registry* registry = nullptr,
             logging::Logger* logger = nullptr);
  // Calls in flight and retries waiting complete at once with kUnavailable.
  ~PeerClient();
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;

  // Starts the call; `done` runs exactly once, on one of the client's threads (keep it
  // short, never block in it). Refusals (breaker, bulkhead, no instance) call it at once,
  // on the calling thread.
  void start(PeerRequest request, Callback done);
  // The blocking form, for worker threads; kInternal on a thread that runs the client's
  // calls (its own, or the network thread of the server whose loop it shares).
  PeerResult send(PeerRequest request);

  const std::string& peer() const;
  BreakerState breaker_state() const;
  // Instances known and ejected now: for readiness and /admin pages.
  std::size_t instances_known() const;
  std::size_t instances_ejected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace platform::resilience
