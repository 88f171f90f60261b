// PeerClient against fake peers over real HTTP: peers that answer, fail, flap, stall or
// are not there at all.
#include "platform/resilience/peer_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <future>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "platform/http/server.h"
#include "platform/testing/arrivals.h"
#include "platform/testing/ports.h"
#include "platform/testing/spans.h"
#include "platform/tracing/tracer.h"

namespace platform::resilience {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using http::Request;
using http::Response;

// One instance of a peer whose behaviour the test changes while it runs.
class FakePeer {
 public:
  explicit FakePeer(int workers = 8) {
    http::Router router;
    // Answers with `status_` (200 unless the test says otherwise).
    router.add("GET", "/switch", [this](Request& request) { return switched(request); });
    router.add("POST", "/switch", [this](Request& request) { return switched(request); });
    router.add("PUT", "/switch", [this](Request& request) { return switched(request); });
    // Readiness, as the test sets it.
    router.get("/health/ready", [this](Request& request) {
      ++health_checks_;
      if (ready_) return Response::json(200, R"({"status":"up"})");
      return Response::problem(503, "not ready", request.path);
    });
    // The body it was sent, back.
    router.add("POST", "/body", [this](Request& request) {
      ++calls_;
      return Response::json(200, request.body);
    });
    // What the call carried.
    router.get("/echo", [this](Request& request) {
      ++calls_;
      boost::json::object body{
          {"request_id", request.trace.request_id},
          {"trace_id", request.trace.trace_id},
          {"parent_span_id", request.trace.parent_span_id},
          {"timeout_ms", std::string(request.headers.get(http::kRequestTimeoutHeader))}};
      return Response::json(200, boost::json::serialize(body));
    });
    // 503 with Retry-After on the first call, 200 after.
    router.get("/retry-after/{seconds}", [this](Request& request) {
      if (calls_++ == 0) {
        return Response::problem(503, "restarting", request.path)
            .with_header("Retry-After", request.path_param("seconds"));
      }
      return Response::json(200, R"({"ok":true})");
    });
    // 503 and 200 in turn.
    router.get("/flap", [this](Request& request) {
      if (calls_++ % 2 == 0) return Response::problem(503, "flapping", request.path);
      return Response::json(200, R"({"ok":true})");
    });
    router.get("/slow/{ms}", [this](Request& request) {
      ++calls_;
      started_.arrive();
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::stoi(std::string(request.path_param("ms")))));
      return Response::json(200, R"({"slow":true})");
    });
    server_ = std::make_unique<http::Server>(
        http::ServerOptions{.worker_threads = workers, .drain_delay = 0ms}, std::move(router),
        logger_, registry_);
    port_ = server_->start();
  }
  ~FakePeer() { server_->stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void answer_with(int status) { status_ = status; }
  int calls() const { return calls_; }
  int health_checks() const { return health_checks_; }
  void set_ready(bool ready) { ready_ = ready; }
  platform::testing::Arrivals& started() { return started_; }

 private:
  Response switched(Request& request) {
    ++calls_;
    if (status_ == 200) return Response::json(200, R"({"ok":true})");
    return Response::problem(status_, "told to fail", request.path);
  }

  logging::Logger logger_{"fake-peer", "fake-peer-1", logging::Level::kError};
  metrics::Registry registry_;
  std::atomic<int> status_{200};
  std::atomic<int> health_checks_{0};
  std::atomic<bool> ready_{true};
  std::atomic<int> calls_{0};
  platform::testing::Arrivals started_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
};

// A URL where nothing listens: connections are refused at once.
std::string dead_url() {
  return "http://127.0.0.1:" + std::to_string(platform::testing::free_port());
}

// A breaker that does not open, for tests of the other rules.
constexpr BreakerOptions kPatientBreaker{.failure_rate = 2.0};

class PeerClientTest : public ::testing::Test {
 protected:
  PeerOptions options(std::vector<std::string> urls) {
    return PeerOptions{.peer = "subject-service",
                       .endpoints = static_urls(std::move(urls)),
                       .backoff = {.base = 1ms, .cap = 5ms}};
  }
  // Two instances, the first failing, with a breaker that stays closed and the calls traced:
  // a call that meets the failing one first is retried on the other.
  PeerOptions traced_retries(const FakePeer& failing, const FakePeer& healthy,
                             tracing::Tracer& tracer) {
    auto opts = options({failing.url(), healthy.url()});
    opts.breaker = kPatientBreaker;
    opts.tracer = &tracer;
    return opts;
  }
  double counter(const std::string& name, metrics::Labels labels = {}) {
    labels.insert(labels.begin(), {"peer", "subject-service"});
    return registry_.counter(name, "", labels).value();
  }
  double calls(const std::string& outcome, const std::string& status) {
    return counter("peer_calls_total", {{"outcome", outcome}, {"status", status}});
  }

  metrics::Registry registry_;
  logging::Logger logger_{"test", "test-1", logging::Level::kInfo, [this](std::string_view line) {
                            std::lock_guard lock(log_mutex_);
                            log_.emplace_back(line);
                          }};
  std::mutex log_mutex_;
  std::vector<std::string> log_;

  // The event names of each client span logged for `trace_id`, and its status code.
  std::vector<std::pair<std::vector<std::string>, std::int64_t>> spans_of(
      const std::string& trace_id) {
    std::lock_guard lock(log_mutex_);
    std::vector<std::pair<std::vector<std::string>, std::int64_t>> out;
    for (const auto& line : log_) {
      if (line.find("\"msg\":\"span\"") == std::string::npos) continue;
      const auto span = boost::json::parse(line).at("span").as_object();
      if (span.at("traceId").as_string() != trace_id) continue;
      std::vector<std::string> events;
      if (const auto* list = span.if_contains("events"))
        for (const auto& event : list->as_array())
          events.emplace_back(event.at("name").as_string());
      out.emplace_back(std::move(events), span.at("status").at("code").as_int64());
    }
    return out;
  }

  // The span object of the trace's one client span (null when there is not exactly one).
  boost::json::object span_object(const std::string& trace_id) {
    std::lock_guard lock(log_mutex_);
    boost::json::object found;
    int count = 0;
    for (const auto& line : log_) {
      if (line.find("\"msg\":\"span\"") == std::string::npos) continue;
      auto span = boost::json::parse(line).at("span").as_object();
      if (span.at("traceId").as_string() != trace_id) continue;
      found = std::move(span);
      ++count;
    }
    return count == 1 ? found : boost::json::object{};
  }

  std::size_t log_lines_containing(std::string_view text) {
    std::lock_guard lock(log_mutex_);
    return static_cast<std::size_t>(std::count_if(log_.begin(), log_.end(), [&](const auto& line) {
      return line.find(text) != std::string::npos;
    }));
  }
};

// On a server's loop (a proxy), a handler on the network thread may start calls but must
// not wait for one: the answer would come on the thread that waits.
TEST_F(PeerClientTest, OnAServersLoopTheNetworkThreadMayStartButNotWait) {
  FakePeer peer;
  auto loop = std::make_shared<http::EventLoop>(1);
  PeerOptions proxied = options({peer.url()});
  proxied.client.event_loop = loop;
  PeerClient client(std::move(proxied), &registry_, &logger_);
  http::Router router;
  router.add_async(
      "GET", "/front",
      [&client](Request&, const http::Responder& respond) {
        auto waited = client.send({.target = "/switch"});
        const bool refused = !waited && waited.error().code() == core::ErrorCode::kInternal;
        client.start({.target = "/switch"}, [respond, refused](PeerResult result) {
          const bool answered = result && result->status == 200;
          respond(Response::text(200, std::string(refused ? "refused" : "waited") + " " +
                                          (answered ? "answered" : "failed")));
        });
      },
      http::Execution::kInline);
  http::Server front(http::ServerOptions{.event_loop = loop}, std::move(router), logger_,
                     registry_);
  const auto port = front.start();
  http::Client outside;
  auto answer = outside.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/front"});
  front.stop();
  ASSERT_TRUE(answer) << answer.error().detail();
  EXPECT_EQ(answer->body, "refused answered");
  EXPECT_EQ(peer.calls(), 1);
}

TEST_F(PeerClientTest, SendsTheRequestIdANewSpanAndTheRemainingTime) {
  FakePeer peer;
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  http::TraceContext trace{.request_id = "req-1",
                           .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                           .span_id = "00f067aa0ba902b7"};
  auto response = client.send({.target = "/echo", .trace = &trace, .timeout = 1500ms});
  ASSERT_TRUE(response) << response.error().detail();
  ASSERT_EQ(response->status, 200);
  const auto body = boost::json::parse(response->body).as_object();
  EXPECT_EQ(body.at("request_id").as_string(), "req-1");
  EXPECT_EQ(body.at("trace_id").as_string(), trace.trace_id);
  EXPECT_NE(body.at("parent_span_id").as_string(), trace.span_id);  // the call's own span
  const int timeout_ms = std::stoi(std::string(body.at("timeout_ms").as_string()));
  EXPECT_GT(timeout_ms, 0);
  EXPECT_LE(timeout_ms, 1000);  // one attempt's share of the 1.5 s (attempt_timeout)
  EXPECT_EQ(calls("success", "200"), 1);
}

TEST_F(PeerClientTest, TheCallersDeadlineBoundsTheCall) {
  FakePeer peer;
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  const auto started = Clock::now();
  auto response = client.send({.target = "/slow/2000", .deadline = started + 150ms});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - started, 1500ms);  // not the peer's 2 s, nor a retry after it
  EXPECT_EQ(calls("failure", "timeout"), 1);
}

TEST_F(PeerClientTest, ACancelledCallEndsAtOnceAndIsNotHeldAgainstThePeer) {
  FakePeer peer;
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  auto cancellation = std::make_shared<http::Cancellation>();
  std::promise<PeerResult> answered;
  auto result = answered.get_future();
  const auto started = Clock::now();
  client.start({.target = "/slow/2000", .timeout = 5000ms, .cancellation = cancellation},
               [&answered](PeerResult answer) { answered.set_value(std::move(answer)); });
  std::this_thread::sleep_for(100ms);
  cancellation->cancel();
  ASSERT_EQ(result.wait_for(1s), std::future_status::ready);
  const PeerResult answer = result.get();
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(Clock::now() - started, 1500ms);
  EXPECT_EQ(calls("cancelled", "cancelled"), 1);
  EXPECT_EQ(client.breaker_state(), BreakerState::kClosed);
}

TEST_F(PeerClientTest, PerCallAttemptsAndAStreamedAnswer) {
  FakePeer peer;
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  auto response = client.send({.target = "/echo", .max_attempts = 1, .stream_response = true});
  ASSERT_TRUE(response) << response.error().detail();
  ASSERT_TRUE(response->body_stream);
  std::array<char, 4096> chunk{};
  std::string body;
  for (;;) {
    auto n = response->body_stream->read(chunk);
    ASSERT_TRUE(n);
    if (*n == 0) break;
    body.append(chunk.data(), *n);
  }
  EXPECT_NE(body.find("request_id"), std::string::npos);
}

TEST_F(PeerClientTest, RetriesAnIdempotentCallOnAnotherInstance) {
  FakePeer failing;
  FakePeer healthy;
  failing.answer_with(503);
  auto opts = options({failing.url(), healthy.url()});
  opts.breaker = kPatientBreaker;  // half the attempts fail: a breaker would open
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 6; ++i) {
    auto response = client.send({.target = "/switch"});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(healthy.calls(), 6);
  EXPECT_EQ(counter("peer_retries_total"), failing.calls());
}

// The call's client span tells what happened inside it: each attempt, the retry between
// them, and a breaker's refusal (an error span with no attempt at all).
TEST_F(PeerClientTest, TheCallsSpanRecordsItsAttemptsItsRetriesAndTheBreakersRefusal) {
  tracing::Tracer tracer({}, logger_);
  FakePeer failing;
  FakePeer healthy;
  failing.answer_with(503);
  PeerClient client(traced_retries(failing, healthy, tracer), &registry_, &logger_);
  // Each call that meets the failing instance first is retried on the healthy one.
  int retried = 0;
  for (int i = 0; i < 6; ++i) {
    http::TraceContext trace{.trace_id = "4bf92f3577b34da6a3ce929d0e0e473" + std::to_string(i),
                             .span_id = "00f067aa0ba902b7"};
    ASSERT_TRUE(client.send({.target = "/switch", .trace = &trace}));
    const auto spans = spans_of(trace.trace_id);
    ASSERT_EQ(spans.size(), 1u);
    const auto& [events, status] = spans[0];
    const std::vector<std::string> straight{"attempt"};
    const std::vector<std::string> again{"attempt", "retry", "attempt"};
    EXPECT_TRUE(events == straight || events == again) << ::testing::PrintToString(events);
    if (events == again) ++retried;
    EXPECT_EQ(status, 0);  // answered 200 in the end: unset, not an error
  }
  EXPECT_GT(retried, 0);
  EXPECT_EQ(retried, failing.calls());

  auto dead = options({dead_url()});
  dead.breaker = {.minimum_calls = 2, .open_duration = 10s};
  dead.max_attempts = 1;
  dead.tracer = &tracer;
  PeerClient broken(dead, &registry_, &logger_);
  for (int i = 0; i < 2; ++i) ASSERT_FALSE(broken.send({.target = "/switch"}));
  ASSERT_EQ(broken.breaker_state(), BreakerState::kOpen);
  http::TraceContext refused{.trace_id = "5bf92f3577b34da6a3ce929d0e0e4736",
                             .span_id = "00f067aa0ba902b7"};
  ASSERT_FALSE(broken.send({.target = "/switch", .trace = &refused}));
  const auto open = spans_of(refused.trace_id);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].first, std::vector<std::string>{"circuit_open"});
  EXPECT_EQ(open[0].second, 2);  // an error
}

// What a retried call's span says: its name, parent and attributes, each attempt's number
// and instance, and the retry's pause and cause.
TEST_F(PeerClientTest, TheCallsSpanNamesItsPeerItsParentAndWhereEachAttemptWent) {
  tracing::Tracer tracer({}, logger_);
  FakePeer failing;
  FakePeer healthy;
  failing.answer_with(503);
  PeerClient client(traced_retries(failing, healthy, tracer), &registry_, &logger_);
  for (int i = 0; i < 6 && failing.calls() == 0; ++i) {
    http::TraceContext trace{.trace_id = "6bf92f3577b34da6a3ce929d0e0e473" + std::to_string(i),
                             .span_id = "00f067aa0ba902b7"};
    ASSERT_TRUE(client.send({.target = "/switch?x=1", .trace = &trace}));
    if (failing.calls() == 0) continue;  // went straight to the healthy one
    const auto span = span_object(trace.trace_id);
    ASSERT_FALSE(span.empty());
    EXPECT_EQ(span.at("name").as_string(), "GET subject-service");
    EXPECT_EQ(span.at("kind").as_int64(), 3);
    EXPECT_EQ(span.at("parentSpanId").as_string(), "00f067aa0ba902b7");
    EXPECT_EQ(span.at("spanId").as_string().size(), 16u);
    const auto attributes = platform::testing::span_attributes(span.at("attributes"));
    const std::map<std::string, std::string> expected{{"peer.service", "subject-service"},
                                                      {"http.request.method", "GET"},
                                                      {"url.path", "/switch"},
                                                      {"http.response.status_code", "200"},
                                                      {"attempts", "2"}};
    EXPECT_EQ(attributes, expected);
    const auto& events = span.at("events").as_array();
    ASSERT_EQ(events.size(), 3u);
    using Attributes = std::map<std::string, std::string>;
    const auto attributes_of = [&events](std::size_t event) {
      return platform::testing::span_attributes(events.at(event).at("attributes"));
    };
    EXPECT_EQ(events.at(0).at("name").as_string(), "attempt");
    EXPECT_EQ(attributes_of(0), (Attributes{{"attempt", "1"}, {"server.address", failing.url()}}));
    EXPECT_EQ(events.at(1).at("name").as_string(), "retry");
    auto retry = attributes_of(1);
    ASSERT_EQ(retry.count("delay_ms"), 1u);
    EXPECT_GE(std::stoll(retry.at("delay_ms")), 0);
    retry.erase("delay_ms");
    EXPECT_EQ(retry, (Attributes{{"after", "503"}}));
    EXPECT_EQ(events.at(2).at("name").as_string(), "attempt");
    EXPECT_EQ(attributes_of(2), (Attributes{{"attempt", "2"}, {"server.address", healthy.url()}}));
    EXPECT_FALSE(span.at("status").as_object().contains("message"));  // answered 200
  }
  EXPECT_EQ(failing.calls(), 1);  // some call met the failing instance first
}

// A call the bulkhead refuses, and a failed call of a trace that is not sampled, still
// leave a span: an error, with what happened.
TEST_F(PeerClientTest, ARefusedOrFailedCallLeavesAnErrorSpanEvenUnsampled) {
  tracing::Tracer tracer({}, logger_);
  FakePeer peer;
  auto opts = options({peer.url()});
  opts.max_concurrent_calls = 1;
  opts.tracer = &tracer;
  PeerClient client(opts, &registry_, &logger_);
  std::promise<PeerResult> slow;
  client.start({.target = "/slow/300"}, [&](PeerResult r) { slow.set_value(std::move(r)); });
  ASSERT_TRUE(peer.started().wait_for(1, 2s));
  http::TraceContext crowded{.trace_id = "7bf92f3577b34da6a3ce929d0e0e4736",
                             .span_id = "00f067aa0ba902b7"};
  ASSERT_FALSE(client.send({.target = "/switch", .trace = &crowded}));
  const auto refused = span_object(crowded.trace_id);
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused.at("name").as_string(), "GET subject-service");
  EXPECT_EQ(refused.at("status").at("code").as_int64(), 2);
  EXPECT_EQ(refused.at("status").at("message").as_string(), "bulkhead full");
  ASSERT_EQ(refused.at("events").as_array().size(), 1u);
  EXPECT_EQ(refused.at("events").at(0).at("name").as_string(), "bulkhead_full");
  EXPECT_EQ(slow.get_future().get()->status, 200);

  peer.answer_with(503);
  http::TraceContext unsampled{.trace_id = "8bf92f3577b34da6a3ce929d0e0e4736",
                               .span_id = "00f067aa0ba902b7",
                               .sampled = false};
  const auto failed_call = client.send({.target = "/switch", .trace = &unsampled});
  ASSERT_TRUE(failed_call);
  ASSERT_EQ(failed_call->status, 503);
  const auto failed = span_object(unsampled.trace_id);
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(failed.at("status").at("code").as_int64(), 2);
  EXPECT_EQ(failed.at("status").at("message").as_string(), "answered 503");
  EXPECT_FALSE(failed.contains("events"));  // unsampled: no record of its attempts
  EXPECT_GT(std::stoull(std::string(failed.at("endTimeUnixNano").as_string())),
            std::stoull(std::string(failed.at("startTimeUnixNano").as_string())));

  peer.answer_with(200);
  http::TraceContext fine{.trace_id = "9bf92f3577b34da6a3ce929d0e0e4736",
                          .span_id = "00f067aa0ba902b7",
                          .sampled = false};
  ASSERT_TRUE(client.send({.target = "/switch", .trace = &fine}));
  EXPECT_TRUE(span_object(fine.trace_id).empty());  // unsampled and fine: none
}

TEST_F(PeerClientTest, NeverRetriesACallThatIsNotIdempotent) {
  FakePeer peer;
  peer.answer_with(503);
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  auto response = client.send({.method = "POST", .target = "/switch", .body = "{}"});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);  // the peer's answer, as a value
  EXPECT_EQ(peer.calls(), 1);
  // ...unless the caller says repeating it is harmless (an idempotency key).
  auto keyed =
      client.send({.method = "POST", .target = "/switch", .body = "{}", .idempotent = true});
  ASSERT_TRUE(keyed);
  EXPECT_EQ(peer.calls(), 4);
}

TEST_F(PeerClientTest, ACallOfAnyMethodGoesToAnotherInstanceWhenItsConnectionIsRefused) {
  // An instance that is gone (killed): its port refuses. Nothing of a POST left, so it may
  // go to the other instance; the caller never sees the dead one.
  const std::string gone = "http://127.0.0.1:" + std::to_string(platform::testing::free_port());
  FakePeer healthy;
  auto opts = options({gone, healthy.url()});
  opts.breaker = kPatientBreaker;
  opts.outlier = {.consecutive_failures = 1000};  // not ejected: each call meets it again
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 6; ++i) {
    auto response = client.send({.method = "POST", .target = "/switch", .body = "{}"});
    ASSERT_TRUE(response) << response.error().detail();
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(healthy.calls(), 6);
  EXPECT_GE(counter("peer_retries_total"), 1);
}

// A request body read as it is sent, as the gateway streams its client's.
class StreamedBody final : public http::BodySource {
 public:
  explicit StreamedBody(std::string bytes) : bytes_(std::move(bytes)) {}
  std::optional<std::uint64_t> size() const override { return bytes_.size(); }
  platform::core::Result<std::size_t> read(std::span<char> buffer) override {
    const std::size_t n = std::min(buffer.size(), bytes_.size() - taken_);
    std::copy_n(bytes_.data() + taken_, n, buffer.data());
    taken_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t taken_ = 0;
};

TEST_F(PeerClientTest, AStreamedBodyGoesToAnotherInstanceOnlyWhenNoneOfItWasTaken) {
  const std::string gone = "http://127.0.0.1:" + std::to_string(platform::testing::free_port());
  FakePeer healthy;
  auto opts = options({gone, healthy.url()});
  opts.breaker = kPatientBreaker;
  opts.outlier = {.consecutive_failures = 1000};
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 4; ++i) {
    auto response = client.send(
        {.method = "POST",
         .target = "/body",
         .body_source = std::make_shared<StreamedBody>(R"({"n":)" + std::to_string(i) + "}")});
    ASSERT_TRUE(response) << response.error().detail();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, R"({"n":)" + std::to_string(i) + "}");  // whole, once
  }
  EXPECT_EQ(healthy.calls(), 4);
  // A streamed body that reached a failing instance is not sent again.
  FakePeer failing;
  failing.answer_with(503);
  PeerClient other(options({failing.url()}), &registry_, &logger_);
  auto response = other.send(
      {.method = "PUT", .target = "/switch", .body_source = std::make_shared<StreamedBody>("{}")});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(failing.calls(), 1);
}

// A body whose sender breaks it after a first piece (a proxied client's malformed chunk).
class BrokenBody final : public http::BodySource {
 public:
  std::optional<std::uint64_t> size() const override { return std::nullopt; }
  platform::core::Result<std::size_t> read(std::span<char> buffer) override {
    if (reads_++ > 0) return platform::core::Error::malformed("malformed request body: bad chunk");
    buffer[0] = '{';
    return std::size_t{1};
  }

 private:
  int reads_ = 0;
};

// The caller's body failing is the caller's error: the call ends with it, and neither
// the breaker nor the instance's record hears of it.
TEST_F(PeerClientTest, ARequestBodyThatCannotBeReadIsTheCallersError) {
  FakePeer peer;
  auto opts = options({peer.url()});
  opts.breaker = {.minimum_calls = 2};
  opts.outlier = {.consecutive_failures = 2};
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 6; ++i) {
    auto broken = client.send(
        {.method = "POST", .target = "/body", .body_source = std::make_shared<BrokenBody>()});
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().code(), ErrorCode::kMalformed);
    EXPECT_EQ(broken.error().detail(), "malformed request body: bad chunk");
  }
  EXPECT_EQ(client.breaker_state(), BreakerState::kClosed);
  EXPECT_EQ(client.instances_ejected(), 0u);
  EXPECT_EQ(calls("refused", "caller"), 6);
  auto answered = client.send({.target = "/switch"});
  ASSERT_TRUE(answered) << answered.error().detail();
  EXPECT_EQ(answered->status, 200);
}

TEST_F(PeerClientTest, ClientErrorsAreNeitherRetriedNorCountedAgainstThePeer) {
  FakePeer peer;
  peer.answer_with(404);
  auto opts = options({peer.url()});
  opts.breaker = {.minimum_calls = 2};
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(client.send({.target = "/switch"})->status, 404);
  EXPECT_EQ(peer.calls(), 10);
  EXPECT_EQ(client.breaker_state(), BreakerState::kClosed);
  EXPECT_EQ(calls("success", "404"), 10);
}

// A target the client cannot send (a caller's malformed path passed on by a proxy) is the
// caller's error: neither the breaker nor the instance's health hears of it.
TEST_F(PeerClientTest, ARequestTheClientRefusesIsNotCountedAgainstThePeer) {
  FakePeer peer;
  auto opts = options({peer.url()});
  opts.breaker = {.minimum_calls = 2};
  opts.outlier = {.consecutive_failures = 2};
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 10; ++i) {
    auto refused = client.send({.target = "/switch/%zz"});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(peer.calls(), 0);
  EXPECT_EQ(client.breaker_state(), BreakerState::kClosed);
  EXPECT_EQ(client.instances_ejected(), 0u);
  auto answered = client.send({.target = "/switch"});
  ASSERT_TRUE(answered) << answered.error().detail();
  EXPECT_EQ(answered->status, 200);
}

TEST_F(PeerClientTest, RidesOutAFlappingPeer) {
  FakePeer peer;
  auto opts = options({peer.url()});
  opts.breaker = kPatientBreaker;  // half the attempts fail: a breaker would open
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 10; ++i) {
    auto response = client.send({.target = "/flap"});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(counter("peer_retries_total"), 10);
}

TEST_F(PeerClientTest, WaitsForThePeersRetryAfterWhenTheDeadlineAllows) {
  FakePeer peer;
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  const auto started = Clock::now();
  auto response = client.send({.target = "/retry-after/1", .timeout = 3s});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_GE(Clock::now() - started, 1s);
  EXPECT_EQ(peer.calls(), 2);
}

TEST_F(PeerClientTest, AnswersAtOnceWhenRetryAfterOutlastsTheDeadline) {
  FakePeer peer;
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  auto response = client.send({.target = "/retry-after/30", .timeout = 2s});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->retry_after(), std::chrono::seconds(30));
  EXPECT_EQ(peer.calls(), 1);
}

TEST_F(PeerClientTest, TheRetryBudgetKeepsAnOutageFromMultiplyingLoad) {
  FakePeer peer;
  peer.answer_with(503);
  auto opts = options({peer.url()});
  opts.breaker = kPatientBreaker;
  opts.max_attempts = 5;
  opts.retry_budget = {.ratio = 0.2, .min_per_second = 0.5, .window = std::chrono::seconds(10)};
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(client.send({.target = "/switch"})->status, 503);
  // Without a budget: 500 calls. With it: 100 + 20% + 5.
  EXPECT_LE(peer.calls(), 125);
  EXPECT_GE(peer.calls(), 120);
  EXPECT_GT(counter("peer_retries_refused_total"), 0);
}

TEST_F(PeerClientTest, TheBreakerOpensOnADeadPeerAndThenAnswersInUnderAMillisecond) {
  auto opts = options({dead_url()});
  opts.breaker = {.minimum_calls = 5, .open_duration = 10s};
  opts.max_attempts = 1;
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 5; ++i) {
    auto response = client.send({.target = "/switch"});
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  }
  EXPECT_EQ(client.breaker_state(), BreakerState::kOpen);
  std::vector<std::chrono::nanoseconds> took;
  for (int i = 0; i < 200; ++i) {
    const auto started = Clock::now();
    auto response = client.send({.target = "/switch"});
    took.push_back(Clock::now() - started);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
    ASSERT_TRUE(response.error().retry_after());
    EXPECT_GE(*response.error().retry_after(), 9s);
  }
  std::sort(took.begin(), took.end());
  EXPECT_LT(took[took.size() / 2], 1ms);  // the median refusal
  EXPECT_EQ(calls("rejected", "circuit_open"), 200);
  EXPECT_EQ(registry_.gauge("peer_circuit_state", "", {{"peer", "subject-service"}}).value(), 2);
  EXPECT_EQ(log_lines_containing("circuit breaker opened"), 1u);
}

TEST_F(PeerClientTest, TheBreakerRecoversWhenThePeerReturns) {
  FakePeer peer;
  peer.answer_with(500);
  auto opts = options({peer.url()});
  opts.breaker = {.minimum_calls = 4, .open_duration = 200ms, .half_open_probes = 2};
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(client.send({.target = "/switch"})->status, 500);
  ASSERT_EQ(client.breaker_state(), BreakerState::kOpen);
  EXPECT_FALSE(client.send({.target = "/switch"}));
  peer.answer_with(200);
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(client.send({.target = "/switch"})->status, 200);  // probe 1
  EXPECT_EQ(client.send({.target = "/switch"})->status, 200);  // probe 2 closes it
  EXPECT_EQ(client.breaker_state(), BreakerState::kClosed);
  EXPECT_EQ(counter("peer_circuit_transitions_total", {{"to", "open"}}), 1);
  EXPECT_EQ(counter("peer_circuit_transitions_total", {{"to", "half_open"}}), 1);
  EXPECT_EQ(counter("peer_circuit_transitions_total", {{"to", "closed"}}), 1);
}

TEST_F(PeerClientTest, HalfOpenLetsOnlyTheProbesThrough) {
  FakePeer peer;
  peer.answer_with(500);
  auto opts = options({peer.url()});
  opts.breaker = {.minimum_calls = 2, .open_duration = 100ms, .half_open_probes = 2};
  opts.timeout = 5s;
  opts.attempt_timeout = 5s;
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(client.send({.target = "/switch"})->status, 500);
  ASSERT_EQ(client.breaker_state(), BreakerState::kOpen);
  std::this_thread::sleep_for(150ms);
  const int before = peer.calls();
  std::vector<std::promise<PeerResult>> answers(6);
  for (auto& answer : answers) {
    client.start({.target = "/slow/300"},
                 [&answer](PeerResult result) { answer.set_value(std::move(result)); });
  }
  int refused = 0;
  int answered = 0;
  for (auto& answer : answers) {
    auto result = answer.get_future().get();
    if (!result && result.error().code() == ErrorCode::kUnavailable) ++refused;
    if (result && result->status == 200) ++answered;
  }
  EXPECT_EQ(answered, 2);
  EXPECT_EQ(refused, 4);
  EXPECT_EQ(peer.calls() - before, 2);
  EXPECT_EQ(client.breaker_state(), BreakerState::kClosed);
}

TEST_F(PeerClientTest, TheBulkheadRefusesCallsBeyondItsCapAtOnce) {
  FakePeer peer;
  auto opts = options({peer.url()});
  opts.max_concurrent_calls = 2;
  PeerClient client(opts, &registry_, &logger_);
  std::promise<PeerResult> first;
  std::promise<PeerResult> second;
  client.start({.target = "/slow/300"}, [&](PeerResult r) { first.set_value(std::move(r)); });
  client.start({.target = "/slow/300"}, [&](PeerResult r) { second.set_value(std::move(r)); });
  ASSERT_TRUE(peer.started().wait_for(2, 2s));
  auto third = client.send({.target = "/switch"});
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(third.error().retry_after());
  EXPECT_EQ(counter("peer_bulkhead_rejections_total"), 1);
  EXPECT_EQ(first.get_future().get()->status, 200);
  EXPECT_EQ(second.get_future().get()->status, 200);
  EXPECT_EQ(client.send({.target = "/switch"})->status, 200);  // room again
}

TEST_F(PeerClientTest, AnInstanceThatKeepsFailingIsEjected) {
  FakePeer failing;
  FakePeer healthy;
  failing.answer_with(500);
  auto opts = options({failing.url(), healthy.url()});
  opts.breaker = kPatientBreaker;
  opts.outlier = {.consecutive_failures = 3, .base_ejection = 30s};
  PeerClient client(opts, &registry_, &logger_);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(client.send({.target = "/switch"}));
  EXPECT_EQ(failing.calls(), 3);  // 500 is not retried; after 3 it is skipped
  EXPECT_EQ(healthy.calls(), 17);
  EXPECT_EQ(counter("peer_ejections_total"), 1);
  EXPECT_EQ(client.instances_ejected(), 1u);
  EXPECT_EQ(client.instances_known(), 2u);
}

TEST_F(PeerClientTest, AnInstanceThatFailsItsHealthCheckIsPassedOverUntilItPasses) {
  FakePeer draining;
  FakePeer healthy;
  draining.set_ready(false);  // it still answers calls: only its readiness says 503
  auto opts = options({draining.url(), healthy.url()});
  opts.health_path = "/health/ready";
  opts.health_interval = 50ms;
  PeerClient client(opts, &registry_, &logger_);
  // Waits until the checks' verdicts leave `count` instances unhealthy.
  const auto unhealthy = [&](double count) {
    auto& gauge = registry_.gauge("peer_instances_unhealthy", "", {{"peer", "subject-service"}});
    for (int i = 0; i < 500 && gauge.value() != count; ++i) std::this_thread::sleep_for(10ms);
    return gauge.value() == count;
  };
  ASSERT_TRUE(unhealthy(1));
  EXPECT_GE(draining.health_checks(), 1);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(client.send({.target = "/switch"}));
  EXPECT_EQ(draining.calls(), 0);
  EXPECT_EQ(healthy.calls(), 10);
  EXPECT_EQ(log_lines_containing("failed its health check"), 1u);
  // Ready again: back in the rotation.
  draining.set_ready(true);
  ASSERT_TRUE(unhealthy(0));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(client.send({.target = "/switch"}));
  EXPECT_EQ(draining.calls(), 5);
  EXPECT_EQ(log_lines_containing("passed its health check"), 1u);
  // Every instance failing: all are still tried (the breaker judges the peer).
  draining.set_ready(false);
  healthy.set_ready(false);
  ASSERT_TRUE(unhealthy(2));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(client.send({.target = "/switch"}));
  EXPECT_EQ(draining.calls(), 7);
}

TEST_F(PeerClientTest, RefusesAtOnceWhenNoInstanceIsKnown) {
  PeerClient client(options({}), &registry_, &logger_);
  auto response = client.send({.target = "/switch"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().detail().find("subject-service"), std::string::npos);
  EXPECT_EQ(calls("rejected", "no_instance"), 1);
}

TEST_F(PeerClientTest, ACalleeDoesNotWorkForACallerThatHasGivenUp) {
  FakePeer peer(/*workers=*/1);
  PeerClient client(options({peer.url()}), &registry_, &logger_);
  std::promise<PeerResult> busy;
  client.start({.target = "/slow/400", .timeout = 3s},
               [&](PeerResult r) { busy.set_value(std::move(r)); });
  ASSERT_TRUE(peer.started().wait_for(1, 2s));
  // Queued behind the slow one with 100 ms to live: the peer's only worker frees up after
  // the deadline, and the peer answers 504 without running the handler.
  http::Client raw;
  http::ClientRequest late{.url = peer.url() + "/slow/1"};
  late.headers.set(http::kRequestTimeoutHeader, "100");
  auto queued = raw.send(std::move(late), {.timeout = 3s});
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status, 504);
  EXPECT_EQ(busy.get_future().get()->status, 200);
  EXPECT_EQ(peer.calls(), 1);
}

TEST_F(PeerClientTest, CallsInFlightEndWhenTheClientIsDestroyed) {
  FakePeer peer;
  std::promise<PeerResult> answer;
  {
    PeerClient client(options({peer.url()}), &registry_, &logger_);
    client.start({.target = "/slow/2000", .timeout = 5s},
                 [&](PeerResult r) { answer.set_value(std::move(r)); });
    ASSERT_TRUE(peer.started().wait_for(1, 2s));
  }
  auto future = answer.get_future();
  ASSERT_EQ(future.wait_for(500ms), std::future_status::ready);  // not after the peer's 2 s
  auto result = future.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace platform::resilience
