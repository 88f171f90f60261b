// Deferred routes (Router::add_async): handlers that answer later without holding a
// thread, as long polls do.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "log_capture.h"
#include "platform/http/server.h"
#include "platform/testing/http_client.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using platform::testing::format_request;
using platform::testing::http_request;
using platform::testing::RawConnection;
using Clock = std::chrono::steady_clock;

// Responders a handler put aside, as a long-poll service keeps its watchers.
class Parked {
 public:
  void add(Responder respond) {
    {
      std::lock_guard lock(mutex_);
      waiting_.push_back(std::move(respond));
    }
    changed_.notify_all();
  }
  // Waits until `count` responders are parked; false after `timeout`.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return waiting_.size() >= count; });
  }
  // Answers and forgets every parked responder.
  void answer_all(const std::function<Response()>& make) {
    std::vector<Responder> waiting;
    {
      std::lock_guard lock(mutex_);
      waiting.swap(waiting_);
    }
    for (auto& respond : waiting) respond(make());
  }
  std::vector<Responder> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(waiting_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Responder> waiting_;
};

// A flag tests raise once and threads wait for.
class Signal {
 public:
  void raise() {
    {
      std::lock_guard lock(mutex_);
      raised_ = true;
    }
    changed_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return raised_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool raised_ = false;
};

class AsyncRouteTest : public ::testing::Test {
 protected:
  std::uint16_t start(Router router, ServerOptions options = {}) {
    server_ =
        std::make_unique<Server>(std::move(options), std::move(router), logs_.logger(), registry_);
    port_ = server_->start();
    return port_;
  }
  void TearDown() override {
    join_threads();
    if (server_) server_->stop();
  }

  // Runs `task` on a thread of its own after `delay`, as a timer or a data source would.
  void later(std::chrono::milliseconds delay, std::function<void()> task) {
    std::lock_guard lock(threads_mutex_);
    threads_.emplace_back([delay, task = std::move(task)] {
      std::this_thread::sleep_for(delay);
      task();
    });
  }
  void join_threads() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(threads_mutex_);
      threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
  }

  // /now answers at once; /later/{ms} from another thread after ms; /park parks its
  // responder in parked_; /sync is an ordinary worker-pool route.
  Router routes() {
    Router router;
    router.add_async("GET", "/now", [](Request& request, Responder respond) {
      respond(Response::json(200, boost::json::serialize(boost::json::object{
                                      {"path", request.path}, {"route", request.route}})));
    });
    router.add_async("GET", "/later/{ms}", [this](Request& request, Responder respond) {
      const std::chrono::milliseconds delay(std::stoi(std::string(request.path_param("ms"))));
      later(delay, [respond = std::move(respond), delay] {
        respond(Response::json(200, R"({"waited_ms":)" + std::to_string(delay.count()) + "}"));
      });
    });
    router.add_async("GET", "/park",
                     [this](Request&, Responder respond) { parked_.add(std::move(respond)); });
    router.get("/sync", [](Request&) { return Response::json(200, R"({"sync":true})"); });
    return router;
  }

  static boost::json::object json(const platform::testing::HttpResponse& response) {
    return boost::json::parse(response.body).as_object();
  }

  Parked parked_;  // outlives the server: its responders answer after the server is gone
  test::LogCapture logs_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
};

TEST_F(AsyncRouteTest, AnswersAtOnceFromTheHandler) {
  const auto port = start(routes());
  const auto response = http_request(port, "GET", "/now");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_EQ(json(response).at("route").as_string(), "/now");
  EXPECT_EQ(response.header("X-Request-ID").size(), 36u);
}

TEST_F(AsyncRouteTest, AnswersLaterFromAnotherThreadWhileServingOtherRequests) {
  ServerOptions options;
  options.worker_threads = 1;
  const auto port = start(routes(), options);
  auto waiting = RawConnection::connect(port);
  waiting.send(format_request("GET", "/park"));
  ASSERT_TRUE(parked_.wait_for(1));

  // Answered while the first request waits.
  EXPECT_EQ(http_request(port, "GET", "/sync").status, 200);
  EXPECT_EQ(http_request(port, "GET", "/now").status, 200);

  const auto scheduled = Clock::now();
  later(200ms, [this] { parked_.answer_all([] { return Response::text(200, "later"); }); });
  const auto response = waiting.read_response(5s);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "later");
  EXPECT_GE(Clock::now() - scheduled, 190ms);
}

TEST_F(AsyncRouteTest, PendingRequestsHoldNoWorkerThread) {
  constexpr int kWatchers = 20;
  // Shared with the handler's threads, which the fixture joins after this body.
  struct State {
    std::atomic<int> started{0};
    std::atomic<int> answered{0};
    Signal sync_answered;
  };
  const auto state = std::make_shared<State>();
  Router router = routes();
  router.add_async("GET", "/watch/{n}", [this, state](Request& request, Responder respond) {
    std::string n(request.path_param("n"));
    later(300ms, [state, n = std::move(n), respond = std::move(respond)] {
      state->sync_answered.wait();  // pending at least until the sync request was answered
      ++state->answered;
      respond(Response::json(200, R"({"n":")" + n + "\"}"));
    });
    ++state->started;
  });
  ServerOptions options;
  options.worker_threads = 1;
  const auto port = start(std::move(router), options);

  const auto sent = Clock::now();
  std::vector<RawConnection> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(RawConnection::connect(port));
    watchers.back().send(format_request("GET", "/watch/" + std::to_string(i)));
  }
  for (int i = 0; i < 300 && state->started.load() < kWatchers; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(state->started.load(), kWatchers);

  // The only worker thread is free: a worker-pool route answers while all 20 wait.
  const auto sync = http_request(port, "GET", "/sync");
  EXPECT_EQ(sync.status, 200);
  EXPECT_EQ(state->answered.load(), 0);
  EXPECT_GE(registry_.gauge("http_requests_in_flight", "").value(), kWatchers);
  state->sync_answered.raise();

  for (int i = 0; i < kWatchers; ++i) {
    const auto response = watchers[static_cast<std::size_t>(i)].read_response(5s);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(json(response).at("n").as_string(), std::to_string(i));
  }
  EXPECT_EQ(state->answered.load(), kWatchers);
  // Had each held the worker for its 300 ms, they would have taken 6 s.
  EXPECT_LT(Clock::now() - sent, 3s);
}

TEST_F(AsyncRouteTest, KeepsTheConnectionAliveAfterADeferredAnswer) {
  const auto port = start(routes());
  auto connection = RawConnection::connect(port);
  for (const std::string target : {"/later/50", "/later/80", "/sync", "/now"}) {
    connection.send(format_request("GET", target));
    const auto response = connection.read_response(5s);
    EXPECT_EQ(response.status, 200) << target;
    EXPECT_NE(response.header("Connection"), "close") << target;
  }
  // Pipelined: answered in order even though the second is ready first.
  connection.send(format_request("GET", "/later/100") + format_request("GET", "/now"));
  EXPECT_EQ(json(connection.read_response(5s)).at("waited_ms").as_int64(), 100);
  EXPECT_EQ(json(connection.read_response(5s)).at("route").as_string(), "/now");
}

TEST_F(AsyncRouteTest, IgnoresEveryAnswerAfterTheFirst) {
  Router router = routes();
  router.add_async("GET", "/twice", [this](Request&, Responder respond) {
    respond(Response::text(200, "first"));
    respond(Response::text(201, "second"));
    // Once more much later, while the connection already waits for its next request.
    later(100ms, [respond = std::move(respond)] { respond(Response::text(202, "third")); });
  });
  const auto port = start(std::move(router));
  auto connection = RawConnection::connect(port);
  connection.send(format_request("GET", "/twice"));
  const auto first = connection.read_response(5s);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "first");
  // The next request on the connection gets its own answer, not the stale one.
  connection.send(format_request("GET", "/later/300"));
  const auto next = connection.read_response(5s);
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(json(next).at("waited_ms").as_int64(), 300);
  connection.send(format_request("GET", "/sync"));
  EXPECT_EQ(json(connection.read_response(5s)).at("sync").as_bool(), true);
}

TEST_F(AsyncRouteTest, AnswersWith500WhenTheResponderIsDroppedUnanswered) {
  Router router = routes();
  router.add_async("GET", "/forget", [](Request&, Responder) {});
  router.add_async("GET", "/forget-later", [this](Request&, Responder respond) {
    later(100ms, [respond = std::move(respond)] {});  // the thread drops it unanswered
  });
  const auto port = start(std::move(router));
  auto connection = RawConnection::connect(port);
  for (const std::string target : {"/forget", "/forget-later"}) {
    const std::string request_id = "dropped-" + target.substr(1);
    connection.send(format_request("GET", target, "", {{"X-Request-ID", request_id}}));
    const auto response = connection.read_response(5s);
    EXPECT_EQ(response.status, 500) << target;
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(json(response).at("detail").as_string(), "handler did not answer");
    const auto logged = logs_.wait_for("handler did not answer", "request_id", request_id);
    ASSERT_TRUE(logged.has_value()) << target;
    EXPECT_EQ(logged->at("level").as_string(), "error");
    EXPECT_EQ(logged->at("route").as_string(), target);
  }
  connection.send(format_request("GET", "/now"));  // and the connection keeps serving
  EXPECT_EQ(connection.read_response(5s).status, 200);
}

TEST_F(AsyncRouteTest, TurnsAnExceptionBeforeTheAnswerInto500) {
  Router router = routes();
  router.add_async("GET", "/boom", [](Request&, Responder) { throw std::runtime_error("kaboom"); });
  router.add_async("GET", "/answered-then-boom", [](Request&, Responder respond) {
    respond(Response::text(200, "answered"));
    throw std::runtime_error("too late");
  });
  const auto port = start(std::move(router));
  const auto response = http_request(port, "GET", "/boom", "", {{"X-Request-ID", "boom-async"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("kaboom"), std::string::npos);  // not shown to clients
  const auto logged = logs_.wait_for("handler threw an exception", "request_id", "boom-async");
  ASSERT_TRUE(logged.has_value());
  EXPECT_EQ(logged->at("error").as_string(), "kaboom");
  EXPECT_EQ(http_request(port, "GET", "/answered-then-boom").body, "answered");
}

TEST_F(AsyncRouteTest, AnswersHeadOnADeferredGetRouteWithoutABody) {
  const auto port = start(routes());
  const auto get = http_request(port, "GET", "/later/10");
  auto connection = RawConnection::connect(port);
  connection.send(format_request("HEAD", "/later/10"));
  const auto head = connection.read_response(5s, /*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
  // Had the server sent a body, it would now be read as the next status line.
  connection.send(format_request("GET", "/sync"));
  EXPECT_EQ(connection.read_response(5s).status, 200);
}

TEST_F(AsyncRouteTest, LogsAndCountsDeferredAnswersByRouteTemplateWithTheFullDuration) {
  const auto port = start(routes());
  const auto response =
      http_request(port, "GET", "/later/150", "", {{"X-Request-ID", "deferred-log-1"}});
  ASSERT_EQ(response.status, 200);
  const auto line = logs_.wait_for("request", "request_id", "deferred-log-1");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->at("route").as_string(), "/later/{ms}");
  EXPECT_EQ(line->at("path").as_string(), "/later/150");
  EXPECT_EQ(line->at("status").as_int64(), 200);
  EXPECT_GE(line->at("duration_ms").as_double(), 140.0);
  EXPECT_GT(line->at("bytes_out").as_int64(), static_cast<std::int64_t>(response.body.size()));
  const auto text = registry_.render();
  EXPECT_NE(text.find(R"(http_requests_total{method="GET",route="/later/{ms}",status="200"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_request_duration_seconds_count{method="GET",route="/later/{ms}"} 1)"),
            std::string::npos);
  // The gauge drops when the exchange ends, just after the access line.
  const auto& in_flight = registry_.gauge("http_requests_in_flight", "");
  for (int i = 0; i < 100 && in_flight.value() != 0.0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(in_flight.value(), 0.0);
}

TEST_F(AsyncRouteTest, DropsAnAnswerForAClientThatWentAway) {
  const auto port = start(routes());
  {
    auto gone = RawConnection::connect(port);
    gone.send(format_request("GET", "/park", "", {{"X-Request-ID", "gone-1"}}));
    ASSERT_TRUE(parked_.wait_for(1));
  }  // closed before the answer
  std::this_thread::sleep_for(50ms);
  parked_.answer_all([] { return Response::text(200, "too late"); });
  // Written into a closed connection or dropped: either way the server carries on.
  EXPECT_EQ(http_request(port, "GET", "/now").status, 200);
  EXPECT_TRUE(logs_.wait_for("request", "request_id", "gone-1").has_value());
  EXPECT_EQ(http_request(port, "GET", "/sync").status, 200);
}

TEST_F(AsyncRouteTest, OnShutdownAnswersPendingRequestsBeforeTheServerStops) {
  const auto on_shutdown_calls = std::make_shared<std::atomic<int>>(0);
  ServerOptions options;
  options.shutdown_timeout = 10s;
  options.on_shutdown = [this, on_shutdown_calls] {
    ++*on_shutdown_calls;
    EXPECT_TRUE(server_->draining());
    parked_.answer_all([] { return Response::json(200, R"({"version":7})"); });
  };
  const auto port = start(routes(), options);
  std::vector<RawConnection> watchers;
  for (int i = 0; i < 3; ++i) {
    watchers.push_back(RawConnection::connect(port));
    watchers.back().send(format_request("GET", "/park"));
  }
  ASSERT_TRUE(parked_.wait_for(3));

  const auto started = Clock::now();
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  for (auto& watcher : watchers) {
    const auto response = watcher.read_response(5s);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(json(response).at("version").as_int64(), 7);
    EXPECT_EQ(response.header("Connection"), "close");
    EXPECT_TRUE(watcher.closed_by_peer(2s));
  }
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_LT(Clock::now() - started, 2s);  // not the 10 s shutdown timeout
  EXPECT_TRUE(logs_.lines_with_msg("shutdown timeout passed; closing connections").empty());
  server_->stop();
  EXPECT_EQ(on_shutdown_calls->load(), 1);
}

TEST_F(AsyncRouteTest, StopClosesRequestsStillUnansweredAfterTheShutdownTimeout) {
  ServerOptions options;
  options.shutdown_timeout = 200ms;
  options.on_shutdown = [] { throw std::runtime_error("broken hook"); };
  const auto port = start(routes(), options);
  auto waiting = RawConnection::connect(port);
  waiting.send(format_request("GET", "/park"));
  ASSERT_TRUE(parked_.wait_for(1));

  const auto started = Clock::now();
  server_->stop();
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_TRUE(waiting.closed_by_peer(2s));
  EXPECT_EQ(logs_.lines_with_msg("shutdown timeout passed; closing connections").size(), 1u);
  EXPECT_EQ(logs_.lines_with_msg("on_shutdown threw an exception").size(), 1u);
  // Answering after the stop, and after the server is gone, is harmless.
  auto responders = parked_.take();
  ASSERT_EQ(responders.size(), 1u);
  responders[0](Response::text(200, "after stop"));
  server_.reset();
  responders[0](Response::text(200, "after destruction"));
}

// A 1xx is an interim answer: sent as the final one it leaves the client waiting for the
// real answer, so the server answers 500 and logs the handler's mistake.
TEST_F(AsyncRouteTest, AnInterimStatusAsTheFinalAnswerBecomes500) {
  Router router = routes();
  router.add_async("GET", "/early-hints",
                   [](Request&, Responder respond) { respond(Response::text(103, "not final")); });
  router.get("/continue", [](Request&) { return Response::text(100, "not final"); });
  const auto port = start(std::move(router));
  for (const auto* target : {"/early-hints", "/continue"}) {
    auto connection = RawConnection::connect(port);
    connection.send(format_request("GET", target));
    const auto response = connection.read_response(3s);
    EXPECT_EQ(response.status, 500) << target;
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json") << target;
    // The connection stays usable: the next request gets its own answer.
    connection.send(format_request("GET", "/sync"));
    EXPECT_EQ(connection.read_response(3s).status, 200) << target;
  }
  const auto logged = logs_.lines_with_msg("handler returned an invalid status");
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].at("status").as_int64(), 103);
  EXPECT_EQ(logged[1].at("status").as_int64(), 100);
}

TEST_F(AsyncRouteTest, AResponderOutlivingTheServerIsDroppedSafely) {
  ServerOptions options;
  options.shutdown_timeout = 100ms;
  const auto port = start(routes(), options);
  auto first = RawConnection::connect(port);
  first.send(format_request("GET", "/park"));
  auto second = RawConnection::connect(port);
  second.send(format_request("GET", "/park"));
  ASSERT_TRUE(parked_.wait_for(2));
  server_.reset();
  EXPECT_TRUE(first.closed_by_peer(1s));
  EXPECT_TRUE(second.closed_by_peer(1s));
  auto responders = parked_.take();
  ASSERT_EQ(responders.size(), 2u);
  responders[0](Response::text(200, "nobody listens"));
  responders.clear();  // the second goes away unanswered
}

// A forced stop whose posted closes the loop cannot run in time (a handler holds its one
// thread): the requests still waiting are let go all the same, so that a Responder kept
// past the server's end is dropped without touching what the server took with it.
TEST_F(AsyncRouteTest, AForcedStopWithTheLoopBusyStillEndsTheRequestsWaiting) {
  ServerOptions options;
  options.io_threads = 1;
  options.shutdown_timeout = 100ms;
  Router router = routes();
  Signal blocking;
  router.get(
      "/block",
      [&blocking](Request&) {
        blocking.raise();
        std::this_thread::sleep_for(1500ms);  // past the shutdown timeout and the 500 ms after
        return Response::text(200, "late");
      },
      Execution::kInline);
  const auto port = start(std::move(router), options);
  auto waiting = RawConnection::connect(port);
  waiting.send(format_request("GET", "/park"));
  ASSERT_TRUE(parked_.wait_for(1));
  auto blocker = RawConnection::connect(port);
  blocker.send(format_request("GET", "/block"));
  ASSERT_TRUE(blocking.wait());

  server_->stop();
  server_.reset();
  EXPECT_TRUE(waiting.closed_by_peer(1s));
  auto responders = parked_.take();
  ASSERT_EQ(responders.size(), 1u);
  responders.clear();  // dropped unanswered, after the server is gone
}

// stop() closes the connections that are idle when it looks; one busy writing an answer
// it promised to keep alive (promised before the stop began) must still close once that
// answer is out, not wait idle for the shutdown timeout.
TEST_F(AsyncRouteTest, StopClosesAKeptAliveConnectionOnceItsAnswerInFlightIsOut) {
  Router router = routes();
  // Larger than the socket buffers: its write is still in progress when stop() looks.
  const std::size_t big = std::size_t{32} * 1024 * 1024;
  router.get("/big", [big](Request&) { return Response::text(200, std::string(big, 'x')); });
  ServerOptions options;
  options.io_threads = 1;
  options.shutdown_timeout = 10s;
  const auto port = start(std::move(router), options);

  auto busy = RawConnection::connect(port);
  busy.send(format_request("GET", "/big"));
  const std::string head = busy.read_until("\r\n\r\n", 5s);
  ASSERT_EQ(head.find("Connection: close"), std::string::npos) << "kept alive before the stop";
  // An idle kept-alive connection: it closing shows that stop() looked at the connections.
  auto idle = RawConnection::connect(port);
  idle.send(format_request("GET", "/sync"));
  ASSERT_EQ(idle.read_response(3s).status, 200);

  const auto started = Clock::now();
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  EXPECT_TRUE(idle.closed_by_peer(3s));
  // The rest of the answer, then the close.
  EXPECT_TRUE(busy.closed_by_peer(5s));
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_LT(Clock::now() - started, 5s);  // not the 10 s shutdown timeout
  EXPECT_TRUE(logs_.lines_with_msg("shutdown timeout passed; closing connections").empty());
}

// A registry usually lives as long as the process, longer than a server: scraping it
// after the server is gone must not read the server's freed state (run under ASan).
TEST_F(AsyncRouteTest, TheOpenConnectionsGaugeOutlivesTheServer) {
  const auto port = start(routes());
  auto connection = RawConnection::connect(port);
  connection.send(format_request("GET", "/sync"));
  ASSERT_EQ(connection.read_response(3s).status, 200);
  EXPECT_NE(registry_.render().find("http_connections_open 1"), std::string::npos);
  server_.reset();
  EXPECT_NE(registry_.render().find("http_connections_open 0"), std::string::npos);
}

}  // namespace
}  // namespace platform::http

namespace platform::http {
namespace {

TEST_F(AsyncRouteTest, AnInlineDeferredRouteRunsOnTheNetworkThreadNotAWorker) {
  std::atomic<bool> worker_blocked{false};
  Signal release;
  Router router = routes();
  router.get("/block", [&](Request&) {
    worker_blocked = true;
    release.wait(10s);
    return Response::no_content();
  });
  router.add_async(
      "GET", "/inline",
      [](Request&, Responder respond) { respond(Response::json(200, R"({"inline":true})")); },
      Execution::kInline);
  ServerOptions options;
  options.worker_threads = 1;
  const auto port = start(std::move(router), options);
  // The only worker is busy: an inline route still answers.
  auto blocked =
      std::async(std::launch::async, [port] { return http_request(port, "GET", "/block"); });
  const auto until = Clock::now() + 5s;
  while (!worker_blocked && Clock::now() < until) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(worker_blocked);
  EXPECT_EQ(http_request(port, "GET", "/inline").status, 200);
  release.raise();
  EXPECT_EQ(blocked.get().status, 204);
}

TEST_F(AsyncRouteTest, AClientHangingUpCancelsItsPendingRequest) {
  Signal cancelled;
  Router router;
  router.add_async("GET", "/wait", [&](Request& request, Responder respond) {
    ASSERT_NE(request.cancellation, nullptr);
    auto held = std::make_shared<Responder>(std::move(respond));
    request.cancellation->on_cancel([&cancelled, held] {
      cancelled.raise();
      (*held)(Response::no_content());
    });
  });
  const auto port = start(std::move(router));
  auto connection = RawConnection::connect(port);
  connection.send(format_request("GET", "/wait"));
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(cancelled.wait(0ms));
  connection.close();
  EXPECT_TRUE(cancelled.wait(5s));
}

TEST_F(AsyncRouteTest, APipelinedNextRequestIsNotTakenForAHangUp) {
  std::atomic<bool> cancelled{false};
  Router router = routes();
  router.add_async("GET", "/watched", [&](Request& request, Responder respond) {
    request.cancellation->on_cancel([&cancelled] { cancelled = true; });
    later(200ms, [respond = std::move(respond)] { respond(Response::json(200, "{}")); });
  });
  const auto port = start(std::move(router));
  auto connection = RawConnection::connect(port);
  connection.send(format_request("GET", "/watched") + format_request("GET", "/now"));
  EXPECT_EQ(connection.read_response().status, 200);
  EXPECT_EQ(connection.read_response().status, 200);
  EXPECT_FALSE(cancelled);
}

}  // namespace
}  // namespace platform::http
