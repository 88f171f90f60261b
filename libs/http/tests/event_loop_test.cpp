// A client on a server's network threads (EventLoop): a front server whose handler calls
// an upstream server through a client that borrows the front's loop, as the gateway
// proxies. What it must keep: calls answer on the server's own thread, a stop of the
// server ends the client's calls, a client may go away while the server runs, and a
// streamed body is still read from other threads.
#include "platform/http/event_loop.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "log_capture.h"
#include "platform/http/client.h"
#include "platform/http/server.h"
#include "platform/testing/http_client.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using Clock = std::chrono::steady_clock;

class EventLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.get("/slow/{ms}", [this](Request& request) {
      ++slow_started_;
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::stoi(std::string(request.path_param("ms")))));
      return Response::text(200, "slow");
    });
    router.get("/bytes/{n}", [](Request& request) {
      return Response::text(200,
                            std::string(std::stoul(std::string(request.path_param("n"))), 'b'));
    });
    upstream_ = std::make_unique<Server>(ServerOptions{.worker_threads = 4}, std::move(router),
                                         logs_.logger(), registry_);
    upstream_port_ = upstream_->start();
  }
  void TearDown() override {
    if (front_) front_->stop();
    upstream_->stop();
  }

  std::string upstream(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(upstream_port_) + std::string(target);
  }

  // The front server: GET /proxy/{rest} calls the upstream's /{rest} through `client` on
  // the network thread, and answers its body, with where the handler and the callback ran.
  std::uint16_t start_front(Client& client, std::shared_ptr<EventLoop> loop,
                            std::chrono::milliseconds shutdown_timeout = 10s) {
    Router router;
    router.add_async(
        "GET", "/proxy/{rest...}",
        [this, &client](Request& request, const Responder& respond) {
          const auto handler_thread = std::this_thread::get_id();
          // Blocking on the loop's own thread would stall it: refused, as on the client's.
          auto blocked = client.send({.url = upstream("/bytes/1")});
          const bool send_refused = !blocked && blocked.error().code() == ErrorCode::kInternal;
          client.start({.url = upstream(request.path.substr(std::string_view("/proxy").size()))},
                       {}, [respond, handler_thread, send_refused](core::Result<ClientResponse> r) {
                         const bool same = std::this_thread::get_id() == handler_thread;
                         if (!r) {
                           respond(Response::text(502, r.error().detail()));
                           return;
                         }
                         respond(Response::text(200, r->body)
                                     .with_header("X-Same-Thread", same ? "yes" : "no")
                                     .with_header("X-Send-Refused", send_refused ? "yes" : "no"));
                       });
        },
        Execution::kInline);
    router.add_async(
        "GET", "/now",
        [](Request&, const Responder& respond) { respond(Response::text(200, "now")); },
        Execution::kInline);
    front_ = std::make_unique<Server>(
        ServerOptions{.event_loop = std::move(loop), .shutdown_timeout = shutdown_timeout},
        std::move(router), logs_.logger(), front_registry_);
    return front_->start();
  }

  test::LogCapture logs_;
  metrics::Registry registry_;
  metrics::Registry front_registry_;
  std::unique_ptr<Server> upstream_;
  std::uint16_t upstream_port_ = 0;
  std::unique_ptr<Server> front_;
  std::atomic<int> slow_started_{0};
};

TEST_F(EventLoopTest, AProxiedCallRunsOnTheServersOwnThreadFromRequestToAnswer) {
  auto loop = std::make_shared<EventLoop>(1);
  Client client(ClientOptions{.event_loop = loop});
  const auto port = start_front(client, loop);
  Client outside;
  for (int i = 0; i < 3; ++i) {  // the second and third reuse the pooled connection
    auto answer =
        outside.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/proxy/bytes/5"});
    ASSERT_TRUE(answer) << answer.error().detail();
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->body, "bbbbb");
    EXPECT_EQ(answer->headers.get("X-Same-Thread"), "yes");
    EXPECT_EQ(answer->headers.get("X-Send-Refused"), "yes");
  }
}

// An upstream's answer on the loop's thread goes to the waiting request at once:
// pipelined requests, answered later (through the upstream) and at once by turns, each
// get their own answer, in order.
TEST_F(EventLoopTest, PipelinedRequestsAnsweredLaterAndAtOnceByTurnsAreAnsweredInOrder) {
  auto loop = std::make_shared<EventLoop>(1);
  Client client(ClientOptions{.event_loop = loop});
  const auto port = start_front(client, loop);
  auto connection = testing::RawConnection::connect(port);
  std::string pipelined;
  for (int i = 1; i <= 4; ++i) {
    pipelined += testing::format_request("GET", "/proxy/bytes/" + std::to_string(i));
    pipelined += testing::format_request("GET", "/now");
  }
  connection.send(pipelined);
  for (int i = 1; i <= 4; ++i) {
    const auto later = connection.read_response(5s);
    EXPECT_EQ(later.status, 200);
    EXPECT_EQ(later.body, std::string(static_cast<std::size_t>(i), 'b'));
    const auto at_once = connection.read_response(5s);
    EXPECT_EQ(at_once.status, 200);
    EXPECT_EQ(at_once.body, "now");
  }
}

TEST_F(EventLoopTest, SeveralThreadsShareTheLoopAndEveryCallAnswers) {
  auto loop = std::make_shared<EventLoop>(3);
  Client client(ClientOptions{.event_loop = loop});
  const auto port = start_front(client, loop);
  Client outside(ClientOptions{.max_connections_per_host = 16, .io_threads = 2});
  constexpr int kCalls = 60;
  std::latch done(kCalls);
  std::atomic<int> good{0};
  for (int i = 0; i < kCalls; ++i) {
    outside.start({.url = "http://127.0.0.1:" + std::to_string(port) + "/proxy/bytes/100"}, {},
                  [&](core::Result<ClientResponse> r) {
                    if (r && r->status == 200 && r->body == std::string(100, 'b')) ++good;
                    done.count_down();
                  });
  }
  done.wait();
  EXPECT_EQ(good.load(), kCalls);
}

TEST_F(EventLoopTest, TheServersStopEndsTheClientsCallsAndLaterOnesAreRefusedAtOnce) {
  auto loop = std::make_shared<EventLoop>(1);
  Client client(ClientOptions{.event_loop = loop});
  start_front(client, loop);
  std::promise<core::Result<ClientResponse>> answered;
  auto answer = answered.get_future();
  client.start({.url = upstream("/slow/2000")}, {},
               [&answered](core::Result<ClientResponse> r) { answered.set_value(std::move(r)); });
  while (slow_started_.load() == 0) std::this_thread::yield();
  const auto stopping = Clock::now();
  front_->stop();
  ASSERT_EQ(answer.wait_for(0s), std::future_status::ready);
  EXPECT_LT(Clock::now() - stopping, 2s);
  auto ended = answer.get();
  ASSERT_FALSE(ended);
  EXPECT_EQ(ended.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(ended.error().detail().find("shutting down"), std::string::npos)
      << ended.error().detail();

  // Nothing runs the loop any more: a call is refused at once instead of waiting forever.
  const auto asked = Clock::now();
  auto later = client.send({.url = upstream("/bytes/1")});
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(Clock::now() - asked, 1s);
  // A client made on the stopped loop is refused the same way.
  Client late(ClientOptions{.event_loop = loop});
  auto refused = late.send({.url = upstream("/bytes/1")});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
}

TEST_F(EventLoopTest, AStopThatGivesUpOnAConnectionStillEndsTheClientsCall) {
  auto loop = std::make_shared<EventLoop>(1);
  Client client(ClientOptions{.event_loop = loop});
  const auto port = start_front(client, loop, /*shutdown_timeout=*/200ms);
  Client outside;
  auto proxied = std::async(std::launch::async, [&] {
    return outside.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/proxy/slow/2000"},
                        {.timeout = 10s});
  });
  while (slow_started_.load() == 0) std::this_thread::yield();
  const auto stopping = Clock::now();
  front_->stop();
  EXPECT_LT(Clock::now() - stopping, 3s);
  ASSERT_EQ(proxied.wait_for(2s), std::future_status::ready);
  auto answer = proxied.get();
  // The front gave up on the connection: closed without an answer.
  EXPECT_FALSE(answer && answer->status == 200);
}

TEST_F(EventLoopTest, AClientGoingAwayWhileTheServerRunsEndsItsCallsFirst) {
  auto loop = std::make_shared<EventLoop>(1);
  Client bystander(ClientOptions{.event_loop = loop});
  const auto port = start_front(bystander, loop);
  std::atomic<int> callbacks{0};
  std::optional<core::Error> error;
  {
    Client leaving(ClientOptions{.event_loop = loop});
    leaving.start({.url = upstream("/slow/3000")}, {}, [&](const core::Result<ClientResponse>& r) {
      if (!r) error = r.error();
      ++callbacks;
    });
    while (slow_started_.load() == 0) std::this_thread::yield();
  }
  EXPECT_EQ(callbacks.load(), 1);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kUnavailable);
  // The server and the other client on its loop go on.
  Client outside;
  auto answer =
      outside.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/proxy/bytes/3"});
  ASSERT_TRUE(answer) << answer.error().detail();
  EXPECT_EQ(answer->body, "bbb");
}

TEST_F(EventLoopTest, AStreamedBodyIsReadFromAnotherThreadWhileTheLoopRuns) {
  auto loop = std::make_shared<EventLoop>(1);
  Client client(ClientOptions{.event_loop = loop});
  start_front(client, loop);
  auto answer = client.send({.url = upstream("/bytes/300000")}, {.stream_response = true});
  ASSERT_TRUE(answer) << answer.error().detail();
  ASSERT_NE(answer->body_stream, nullptr);
  std::string body;
  std::array<char, 16384> chunk{};
  for (;;) {
    auto n = answer->body_stream->read(chunk);
    ASSERT_TRUE(n) << n.error().detail();
    if (*n == 0) break;
    body.append(chunk.data(), *n);
  }
  EXPECT_EQ(body, std::string(300000, 'b'));
}

TEST_F(EventLoopTest, ACallStartedBeforeTheServerStartsIsAnsweredOnceItDoes) {
  auto loop = std::make_shared<EventLoop>(1);
  Client client(ClientOptions{.event_loop = loop});
  std::promise<core::Result<ClientResponse>> answered;
  auto answer = answered.get_future();
  client.start({.url = upstream("/bytes/2")}, {.timeout = 10s},
               [&answered](core::Result<ClientResponse> r) { answered.set_value(std::move(r)); });
  EXPECT_EQ(answer.wait_for(200ms), std::future_status::timeout);
  start_front(client, loop);
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  auto result = answer.get();
  ASSERT_TRUE(result) << result.error().detail();
  EXPECT_EQ(result->body, "bb");
}

}  // namespace
}  // namespace platform::http
