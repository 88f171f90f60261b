#include "platform/resilience/peer_client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/container/small_vector.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <span>
#include <thread>
#include <utility>

#include "platform/core/error.h"
#include "platform/http/message.h"
#include "platform/tracing/tracer.h"

namespace platform::resilience {
namespace {

using std::chrono::milliseconds;

// A streamed request body that remembers whether any of it was taken: until then, a call
// whose connection could not be made may go to another instance with it.
class WatchedBody final : public http::BodySource {
 public:
  explicit WatchedBody(std::shared_ptr<http::BodySource> body) : body_(std::move(body)) {}

  std::optional<std::uint64_t> size() const override { return body_->size(); }
  core::Result<std::size_t> read(std::span<char> buffer) override {
    touched_ = true;
    return body_->read(buffer);
  }
  std::optional<FileRange> file_range() const override {
    auto range = body_->file_range();
    if (range) touched_ = true;
    return range;
  }
  bool touched() const { return touched_; }

 private:
  std::shared_ptr<http::BodySource> body_;
  mutable std::atomic<bool> touched_{false};
};

// One thread that runs tasks at given times: the pauses between attempts. A call waiting
// for its retry holds no thread.
class Timers {
 public:
  using Task = std::function<void(bool cancelled)>;

  Timers() : thread_([this] { run(); }) {}
  ~Timers() { stop(); }
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // False once stopped: the caller finishes the work itself.
  bool schedule(Clock::time_point when, Task task) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return false;
      queue_.emplace(when, std::move(task));
    }
    changed_.notify_one();
    return true;
  }

  // Tasks still waiting run at once, told that they were cancelled.
  void stop() {
    std::multimap<Clock::time_point, Task> left;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    changed_.notify_one();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard lock(mutex_);
      left.swap(queue_);
    }
    for (auto& [when, task] : left) task(true);
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
      if (queue_.empty()) {
        changed_.wait(lock);
        continue;
      }
      const auto next = queue_.begin();
      if (next->first > Clock::now()) {
        changed_.wait_until(lock, next->first);
        continue;
      }
      Task task = std::move(next->second);
      queue_.erase(next);
      lock.unlock();
      task(false);
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::multimap<Clock::time_point, Task> queue_;
  bool stopped_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

bool is_server_failure(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

// Worth another attempt, if the request may be sent twice: the peer was unreachable, too
// slow, or said it is overloaded or restarting. A 500 is a bug that would repeat.
bool is_retryable(const PeerResult& result) {
  if (!result) {
    return result.error().code() == core::ErrorCode::kUnavailable ||
           result.error().code() == core::ErrorCode::kDeadlineExceeded;
  }
  return result->status == 502 || result->status == 503 || result->status == 504 ||
         result->status == 429;
}

std::chrono::seconds whole_seconds_up(milliseconds delay) {
  return std::chrono::seconds(std::max<std::int64_t>(1, (delay.count() + 999) / 1000));
}

double breaker_gauge_value(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return 0;
    case BreakerState::kHalfOpen:
      return 1;
    case BreakerState::kOpen:
      return 2;
  }
  return 0;
}

// What a call's client span needs besides the call's own trace and request: its id, its
// start and its events. Written from views at the end (tracing::SpanView), so that a call
// makes no Span of owned strings.
struct ClientSpan {
  struct Event {
    std::string_view name;  // a literal
    std::uint64_t time_unix_nano = 0;
    // The event's two attributes when it has them: an "attempt" its number and the
    // instance's address, a "retry" its delay and what it follows.
    std::string_view number_key;
    std::int64_t number = 0;
    std::string_view text_key;
    std::string text;
  };
  tracing::SpanIdText span_id = tracing::new_span_id_text();
  std::uint64_t start_unix_nano = 0;
  boost::container::small_vector<Event, 2> events;

  void add(std::string_view name) {
    events.push_back({.name = name, .time_unix_nano = tracing::now_unix_nanos()});
  }
  void add(std::string_view name, std::string_view number_key, std::int64_t number,
           std::string_view text_key, std::string text) {
    events.push_back({.name = name,
                      .time_unix_nano = tracing::now_unix_nanos(),
                      .number_key = number_key,
                      .number = number,
                      .text_key = text_key,
                      .text = std::move(text)});
  }
};

}  // namespace

struct PeerClient::Impl {
  struct Call {
    PeerRequest request;
    std::optional<http::TraceContext> trace;  // a copy: the caller's may be gone
    Callback done;
    bool idempotent = false;
    std::shared_ptr<WatchedBody> body;  // a streamed request body
    Clock::time_point started;
    Clock::time_point deadline;
    int attempts = 0;
    int max_attempts = 1;
    milliseconds attempt_timeout{0};
    std::string last_url;
    // The attempt in flight, for cancellation; guarded by `mutex`.
    std::mutex mutex;
    http::CallHandle in_flight;
    bool cancelled = false;
    std::optional<PeerResult> last;  // the previous attempt's, returned if no other comes
    // The call's client span (traced requests with a tracer). Touched by one step of the
    // call at a time: start, an attempt, its answer, the retry's timer, the finish.
    std::optional<ClientSpan> span;
  };
  using CallPtr = std::shared_ptr<Call>;

  Impl(PeerOptions options_in, metrics::Registry* registry_in, logging::Logger* logger_in)
      : options(std::move(options_in)),
        registry(registry_in != nullptr ? registry_in : &own_registry),
        logger(logger_in),
        labels{{"peer", options.peer}},
        duration(registry->histogram("peer_call_duration_seconds",
                                     "Time to complete a call to a peer, retries included.",
                                     labels)),
        retries(
            registry->counter("peer_retries_total", "Attempts made after a failed one.", labels)),
        retries_refused(registry->counter("peer_retries_refused_total",
                                          "Retries not made because the retry budget was spent.",
                                          labels)),
        ejections(registry->counter("peer_ejections_total",
                                    "Instances ejected after repeated failures.", labels)),
        bulkhead_rejections(registry->counter("peer_bulkhead_rejections_total",
                                              "Calls refused because too many were in flight.",
                                              labels)),
        breaker_gauge(registry->gauge(
            "peer_circuit_state", "The circuit breaker: 0 closed, 1 half-open, 2 open.", labels)),
        unhealthy_gauge(registry->gauge("peer_instances_unhealthy",
                                        "Instances whose last active health check failed.",
                                        labels)),
        in_flight_gauge(
            registry->gauge("peer_calls_in_flight", "Calls to a peer in flight.", labels)),
        breaker(
            options.breaker,
            [this](BreakerState from, BreakerState to) { on_transition(from, to); }, options.clock),
        endpoints(
            options.endpoints ? options.endpoints : static_urls({}), options.outlier,
            [this](const std::string& url, milliseconds penalty) { on_ejection(url, penalty); },
            options.clock),
        budget(options.retry_budget, options.clock),
        backoff(options.backoff) {
    options.client.peer_name = options.peer;
    options.max_attempts = std::max(1, options.max_attempts);
    if (options.preferred_endpoints) endpoints.set_preferred(options.preferred_endpoints);
    client = std::make_unique<http::Client>(options.client, registry, logger);
    if (!options.health_path.empty()) schedule_health_checks(Clock::now());
  }

  // Active health checks, on the timers' thread: each known instance asked at once (the
  // answers come on the client's threads), the next round scheduled.
  void schedule_health_checks(Clock::time_point when) {
    timers.schedule(when, [this](bool cancelled) {
      if (cancelled || stopping) return;
      for (const auto& url : endpoints.known()) check_health(url);
      schedule_health_checks(Clock::now() + options.health_interval);
    });
  }

  void check_health(const std::string& url) {
    client->start(http::ClientRequest{.method = "GET", .url = url + options.health_path},
                  {.deadline = Clock::now() + options.health_timeout},
                  [this, url](PeerResult result) {
                    if (stopping) return;
                    const bool healthy = result && result->status >= 200 && result->status < 300;
                    if (endpoints.set_healthy(url, healthy)) on_health_change(url, result);
                    unhealthy_gauge.set(static_cast<double>(endpoints.unhealthy_count()));
                  });
  }

  void on_health_change(const std::string& url, const PeerResult& result) {
    if (logger == nullptr) return;
    if (result && result->status >= 200 && result->status < 300) {
      logger->info("peer instance passed its health check: back in the rotation",
                   {{"peer", options.peer}, {"url", url}});
      return;
    }
    logger->warn("peer instance failed its health check: passed over until it passes",
                 {{"peer", options.peer},
                  {"url", url},
                  {"answer", result ? std::to_string(result->status) : result.error().detail()}});
  }

  ~Impl() {
    stopping = true;
    timers.stop();   // retries waiting end with their last result
    client.reset();  // calls in flight end with kUnavailable; no callback after this
  }

  void on_transition(BreakerState from, BreakerState to) {
    breaker_gauge.set(breaker_gauge_value(to));
    registry
        ->counter("peer_circuit_transitions_total", "Changes of a circuit breaker's state.",
                  {{"peer", options.peer}, {"to", std::string(to_string(to))}})
        .inc();
    if (logger == nullptr) return;
    const logging::Fields fields{
        {"peer", options.peer}, {"from", to_string(from)}, {"to", to_string(to)}};
    if (to == BreakerState::kOpen) {
      logger->warn("circuit breaker opened: calls to the peer are refused", fields);
    } else {
      logger->info("circuit breaker changed state", fields);
    }
  }

  void on_ejection(const std::string& url, milliseconds penalty) {
    ejections.inc();
    if (logger != nullptr) {
      logger->warn("peer instance ejected after repeated failures",
                   {{"peer", options.peer}, {"url", url}, {"for_ms", penalty.count()}});
    }
  }

  // The series are looked up once each (a registry lookup renders the labels).
  void count(std::string_view outcome, std::string_view status) {
    thread_local metrics::RecentSeries<metrics::Counter*, 2> recent;
    if (metrics::Counter* const* kept = recent.find(series_owner, {outcome, status})) {
      (*kept)->inc();
      return;
    }
    const metrics::SeriesKey key{outcome, status};
    metrics::Counter* counter = nullptr;
    {
      std::lock_guard lock(counters_mutex);
      auto found = counters.find(key.view());
      if (found == counters.end()) {
        auto& created =
            registry->counter("peer_calls_total", "Calls to a peer by outcome and status.",
                              {{"peer", options.peer},
                               {"outcome", std::string(outcome)},
                               {"status", std::string(status)}});
        found = counters.emplace(key.text(), &created).first;
      }
      counter = found->second;
    }
    recent.keep(series_owner, {outcome, status}, counter);
    counter->inc();
  }

  void start(PeerRequest request, Callback done) {
    const auto now = Clock::now();
    if (options.max_concurrent_calls != 0 &&
        in_flight.fetch_add(1) >= options.max_concurrent_calls) {
      in_flight.fetch_sub(1);
      bulkhead_rejections.inc();
      count("rejected", "bulkhead_full");
      if (options.tracer != nullptr && request.trace != nullptr) {
        ClientSpan span{.start_unix_nano = tracing::now_unix_nanos()};
        span.add("bulkhead_full");
        end_span(span, *request.trace, request, std::nullopt, "bulkhead full", 0);
      }
      done(core::Error::unavailable("too many calls to " + options.peer + " are in flight")
               .with_retry_after(std::chrono::seconds(1)));
      return;
    }
    if (options.max_concurrent_calls == 0) in_flight.fetch_add(1);
    in_flight_gauge.inc();
    auto call = std::make_shared<Call>();
    call->idempotent = request.idempotent.value_or(http::is_idempotent_method(request.method));
    if (request.trace != nullptr) call->trace = *request.trace;
    // The span of an unsampled trace is made only if the call fails (finish()).
    if (options.tracer != nullptr && call->trace && call->trace->sampled)
      call->span.emplace().start_unix_nano = tracing::now_unix_nanos();
    call->started = now;
    call->deadline = now + request.timeout.value_or(options.timeout);
    if (request.deadline) call->deadline = std::min(call->deadline, *request.deadline);
    call->max_attempts = std::max(1, request.max_attempts.value_or(options.max_attempts));
    if (request.body_source) {
      // A streamed body's bytes cannot be read twice: such a call goes again only if none
      // was taken (its connection could not be made).
      call->idempotent = false;
      call->body = std::make_shared<WatchedBody>(std::move(request.body_source));
      request.body_source = call->body;
    }
    call->attempt_timeout = request.attempt_timeout.value_or(options.attempt_timeout);
    call->request = std::move(request);
    call->request.trace = nullptr;
    call->done = std::move(done);
    budget.on_call();
    if (call->request.cancellation) {
      call->request.cancellation->on_cancel([weak = std::weak_ptr<Call>(call)] {
        const auto cancelled = weak.lock();
        if (!cancelled) return;
        http::CallHandle in_flight;
        {
          std::lock_guard lock(cancelled->mutex);
          cancelled->cancelled = true;
          in_flight = cancelled->in_flight;
        }
        in_flight.cancel();
      });
    }
    attempt(call);
  }

  void attempt(const CallPtr& call) {
    const auto now = Clock::now();
    if (stopping) {
      return finish(call, call->last ? std::move(*call->last)
                                     : core::Error::unavailable("the client is shutting down"));
    }
    if (now >= call->deadline) {
      if (call->last) return finish(call, std::move(*call->last));
      return finish(call, core::Error(core::ErrorCode::kDeadlineExceeded,
                                      options.peer + " did not answer in time"));
    }
    const auto permit = breaker.try_acquire();
    if (!permit) {
      if (call->span) call->span->add("circuit_open");
      if (call->last) return finish(call, std::move(*call->last));
      count("rejected", "circuit_open");
      return finish(
          call,
          core::Error::unavailable(options.peer + " is unavailable (its circuit breaker is open)")
              .with_retry_after(whole_seconds_up(breaker.retry_after())),
          /*counted=*/true);
    }
    auto url = endpoints.pick(call->last_url);
    if (!url) {
      if (call->span) call->span->add("no_instance");
      breaker.record(*permit, CallResult::kIgnored);
      count("rejected", "no_instance");
      return finish(call,
                    core::Error::unavailable("no instance of " + options.peer + " is known")
                        .with_retry_after(std::chrono::seconds(1)),
                    /*counted=*/true);
    }
    const auto attempt_deadline = std::min(call->deadline, now + call->attempt_timeout);
    // The last attempt takes the request's headers and body; earlier ones copy them.
    const bool last = call->attempts + 1 >= call->max_attempts;
    http::ClientRequest outgoing{
        .method = call->request.method,
        .url = *url + call->request.target,
        .headers = last ? std::move(call->request.headers) : call->request.headers,
        .body = last ? std::move(call->request.body) : call->request.body,
        .body_source = call->request.body_source};
    const auto remaining = std::chrono::duration_cast<milliseconds>(attempt_deadline - now).count();
    outgoing.headers.set(http::kRequestTimeoutHeader,
                         std::to_string(std::max<std::int64_t>(1, remaining)));
    ++call->attempts;
    if (call->span) {
      // The peer sees this call's span as its parent, whichever attempt reaches it.
      outgoing.headers.set(
          "traceparent",
          tracing::traceparent_of(call->trace->trace_id, tracing::view_of(call->span->span_id),
                                  call->trace->sampled));
      call->span->add("attempt", "attempt", call->attempts, "server.address", *url);
    }
    {
      std::lock_guard lock(call->mutex);
      if (call->cancelled) {
        breaker.record(*permit, CallResult::kIgnored);
        return finish_cancelled(call);
      }
    }
    // Not under the lock: the callback may come before start() returns.
    http::CallHandle handle = client->start(
        std::move(outgoing),
        {.deadline = attempt_deadline,
         .trace = call->trace ? &*call->trace : nullptr,
         .stream_response = call->request.stream_response,
         .buffer_response_up_to = call->request.buffer_response_up_to},
        [this, call, url = std::move(*url), permit = *permit](PeerResult&& result) mutable {
          on_result(call, url, permit, std::move(result));
        });
    bool cancel_now = false;
    {
      std::lock_guard lock(call->mutex);
      call->in_flight = handle;
      cancel_now = call->cancelled;
    }
    if (cancel_now) handle.cancel();
  }

  // The proxied client went away: no answer is wanted, and the peer is not to blame.
  void finish_cancelled(const CallPtr& call) {
    count("cancelled", "cancelled");
    if (call->span) call->span->add("cancelled");
    finish(call, core::Error::unavailable("the call was cancelled"), /*counted=*/true);
  }

  void on_result(const CallPtr& call, const std::string& url, CircuitBreaker::Permit permit,
                 PeerResult&& result) {
    bool cancelled = false;
    {
      std::lock_guard lock(call->mutex);
      call->in_flight = {};
      cancelled = call->cancelled;
    }
    if (cancelled) {
      breaker.record(permit, CallResult::kIgnored);
      return finish_cancelled(call);
    }
    const bool shutting_down = stopping.load();
    // A request the client refused to send (a target that is not a URI, a bad field) says
    // nothing about the peer: counted, it would let a caller's bad input open the breaker
    // and eject healthy instances for everyone.
    const bool never_valid = !result && result.error().code() == core::ErrorCode::kInvalidArgument;
    // The same for a request body that could not be read: the call ends with its error.
    const bool callers_fault = never_valid || (!result && result.error().request_body_failed());
    const bool failed = !result || is_server_failure(result->status);
    breaker.record(permit, shutting_down || callers_fault ? CallResult::kIgnored
                           : failed                       ? CallResult::kFailure
                                                          : CallResult::kSuccess);
    if (!shutting_down && !callers_fault) endpoints.record(url, failed);
    if (callers_fault) {
      count("refused", "caller");
      return finish(call, std::move(result), /*counted=*/true);
    }

    // A request that never left may go elsewhere whatever its method (as nginx's
    // proxy_next_upstream does for a connection that could not be made).
    const bool repeatable = call->idempotent || (!result && result.error().never_sent() &&
                                                 !(call->body && call->body->touched()));
    if (!repeatable || !is_retryable(result) || call->attempts >= call->max_attempts ||
        shutting_down) {
      return finish(call, std::move(result));
    }
    const auto now = Clock::now();
    auto delay = backoff.delay(call->attempts - 1);
    if (result) {
      if (const auto asked = result->retry_after()) delay = std::max<milliseconds>(delay, *asked);
    }
    // No time for the pause and a useful attempt after it: the failure stands.
    if (now + delay + milliseconds(1) >= call->deadline) return finish(call, std::move(result));
    if (!budget.try_withdraw()) {
      retries_refused.inc();
      if (call->span) call->span->add("retry_budget_exhausted");
      return finish(call, std::move(result));
    }
    retries.inc();
    if (call->span) {
      call->span->add("retry", "delay_ms", delay.count(), "after",
                      result ? std::to_string(result->status) : result.error().detail());
    }
    call->last = std::move(result);
    call->last_url = url;
    const bool scheduled = timers.schedule(now + delay, [this, call](bool cancelled) {
      if (cancelled) return finish(call, std::move(*call->last));
      attempt(call);
    });
    if (!scheduled) finish(call, std::move(*call->last));
  }

  void finish(const CallPtr& call, PeerResult&& result, bool counted = false) {
    if (!counted) {
      if (!result) {
        count("failure",
              result.error().code() == core::ErrorCode::kDeadlineExceeded ? "timeout" : "error");
      } else {
        count(result->status >= 500 ? "failure" : "success", std::to_string(result->status));
      }
    }
    duration.observe(std::chrono::duration<double>(Clock::now() - call->started).count());
    if (!call->span && options.tracer != nullptr && call->trace) {
      // Unsampled: a failure is kept all the same (without the events of its attempts).
      if (result && result->status < 500) {
        options.tracer->skip();
      } else {
        call->span.emplace().start_unix_nano = tracing::unix_nanos_of(call->started);
      }
    }
    if (call->span) {
      std::optional<int> status;
      std::string failure;
      if (result) {
        status = result->status;
      } else {
        failure = result.error().detail();
      }
      end_span(*call->span, *call->trace, call->request, status, failure, call->attempts);
      call->span.reset();
    }
    in_flight.fetch_sub(1);
    in_flight_gauge.dec();
    Callback done = std::move(call->done);
    done(std::move(result));
  }

  // ---- the client span ----------------------------------------------------------------
  // Named "<method> <peer>"; a transport failure or a 5xx is an error, a 4xx is the
  // caller's business.
  void end_span(const ClientSpan& span, const http::TraceContext& trace, const PeerRequest& request,
                std::optional<int> status, const std::string& failure, int attempts) const {
    const tracing::JoinedName name(request.method, options.peer);
    std::array<tracing::AttributeView, 5> attributes;
    std::size_t count = 0;
    attributes[count++] = {"peer.service", options.peer};
    attributes[count++] = {"http.request.method", request.method};
    attributes[count++] = {"url.path",
                           std::string_view(request.target).substr(0, request.target.find('?'))};
    if (status) attributes[count++] = {"http.response.status_code", std::int64_t{*status}};
    if (attempts > 1) attributes[count++] = {"attempts", std::int64_t{attempts}};
    boost::container::small_vector<std::array<tracing::AttributeView, 2>, 2> event_attributes;
    boost::container::small_vector<tracing::SpanEventView, 2> events;
    event_attributes.reserve(span.events.size());
    for (const auto& event : span.events) {
      auto& pair = event_attributes.emplace_back();
      std::size_t held = 0;
      if (!event.number_key.empty()) pair[held++] = {event.number_key, event.number};
      if (!event.text_key.empty()) pair[held++] = {event.text_key, std::string_view(event.text)};
      events.push_back({event.name, event.time_unix_nano, std::span(pair.data(), held)});
    }
    std::string status_message;
    const bool error = !status || *status >= 500;
    if (error) status_message = status ? "answered " + std::to_string(*status) : failure;
    options.tracer->finish(
        tracing::SpanView{
            .trace_id = trace.trace_id,
            .span_id = tracing::view_of(span.span_id),
            .parent_span_id = trace.span_id,
            .name = name.view(),
            .kind = tracing::SpanKind::kClient,
            .start_unix_nano = span.start_unix_nano,
            .end_unix_nano = tracing::now_unix_nanos(),
            .status = error ? tracing::StatusCode::kError : tracing::StatusCode::kUnset,
            .status_message = status_message,
            .attributes = std::span<const tracing::AttributeView>(attributes.data(), count),
            .events = events},
        trace.sampled);
  }

  PeerOptions options;
  std::mutex counters_mutex;
  metrics::SeriesCache<metrics::Counter*> counters;
  const std::uint64_t series_owner = metrics::next_series_owner();
  metrics::Registry own_registry;
  metrics::Registry* registry;
  logging::Logger* logger;
  metrics::Labels labels;
  metrics::Histogram& duration;
  metrics::Counter& retries;
  metrics::Counter& retries_refused;
  metrics::Counter& ejections;
  metrics::Counter& bulkhead_rejections;
  metrics::Gauge& breaker_gauge;
  metrics::Gauge& unhealthy_gauge;
  metrics::Gauge& in_flight_gauge;
  CircuitBreaker breaker;
  Endpoints endpoints;
  RetryBudget budget;
  Backoff backoff;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  Timers timers;
  std::unique_ptr<http::Client> client;
};

PeerClient::PeerClient(PeerOptions options, metrics::Registry* registry, logging::Logger* logger)
    : impl_(std::make_unique<Impl>(std::move(options), registry, logger)) {}

PeerClient::~PeerClient() = default;

void PeerClient::start(PeerRequest request, Callback done) {
  impl_->start(std::move(request), std::move(done));
}

PeerResult PeerClient::send(PeerRequest request) {
  // The answer would come on this very thread, which would be waiting for it.
  if (impl_->client->on_own_thread()) {
    return core::Error::internal("PeerClient::send called on a thread that runs its calls");
  }
  std::promise<PeerResult> promise;
  auto answer = promise.get_future();
  impl_->start(std::move(request),
               [&promise](PeerResult result) { promise.set_value(std::move(result)); });
  return answer.get();
}

const std::string& PeerClient::peer() const {
  return impl_->options.peer;
}
BreakerState PeerClient::breaker_state() const {
  return impl_->breaker.state();
}
std::size_t PeerClient::instances_known() const {
  return impl_->endpoints.known().size();
}
std::size_t PeerClient::instances_ejected() const {
  return impl_->endpoints.ejected_count();
}

}  // namespace platform::resilience
