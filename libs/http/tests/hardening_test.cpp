// The attacks and abuses the server must withstand: request smuggling, slow bodies, too
// many connections, clients that keep sending after an early answer; and the contracts a
// proxy in front of it relies on (hop-by-hop fields, raw paths, chunked answers, a
// middleware chain over every kind of route).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "log_capture.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/testing/http_client.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using platform::testing::format_request;
using platform::testing::http_request;
using platform::testing::RawConnection;
using Clock = std::chrono::steady_clock;

// A body source that does not know its length: `pieces` pieces of `piece` bytes.
class UnsizedSource final : public BodySource {
 public:
  UnsizedSource(int pieces, std::string piece) : left_(pieces), piece_(std::move(piece)) {}
  std::optional<std::uint64_t> size() const override { return std::nullopt; }
  core::Result<std::size_t> read(std::span<char> buffer) override {
    if (left_ == 0) return std::size_t{0};
    --left_;
    const std::size_t n = std::min(buffer.size(), piece_.size());
    std::copy_n(piece_.data(), n, buffer.data());
    return n;
  }

 private:
  int left_;
  std::string piece_;
};

// What the last streamed handler's read failed with.
struct LastReadError {
  std::mutex mutex;
  std::optional<core::Error> error;
  std::promise<void> failed;
  std::atomic<bool> set{false};
};

class HardeningTest : public ::testing::Test {
 protected:
  Router routes() {
    Router router;
    router.get("/echo-headers", [](Request& request) {
      std::string names;
      for (const auto& field : request.headers) names.append(field.name).append(";");
      return Response::text(200, names);
    });
    router.post("/buffered", [](Request& request) {
      return Response::text(200, std::to_string(request.body.size()));
    });
    router.get("/work", [](Request&) { return Response::text(200, "done"); });
    router.post_streamed("/upload", [this](Request& request) {
      if (upload_started_) upload_started_->count_down();
      std::array<char, 65536> chunk{};
      std::uint64_t total = 0;
      for (;;) {
        auto n = request.body_reader->read(chunk);
        if (!n) {
          std::lock_guard lock(last_error_.mutex);
          last_error_.error = n.error();
          if (!last_error_.set.exchange(true)) last_error_.failed.set_value();
          return Response::body_read_failure(n.error(), request);
        }
        if (*n == 0) break;
        total += *n;
      }
      return Response::text(201, std::to_string(total));
    });
    router.post_streamed("/reject", [](Request& request) {
      return Response::problem(core::Error(core::ErrorCode::kUnsupportedMediaType, "not this"),
                               request);
    });
    router.get("/hop", [](Request&) {
      return Response::text(200, "hop")
          .with_header("Transfer-Encoding", "gzip")
          .with_header("Keep-Alive", "timeout=999")
          .with_header("Upgrade", "h2c")
          .with_header("X-Kept", "yes");
    });
    router.get("/proxy/{rest...}", [](Request& request) {
      return Response::text(200, std::string(request.path_param("rest")));
    });
    router.get("/unsized", [](Request&) {
      return Response::stream(200, std::make_shared<UnsizedSource>(3, std::string(5000, 'z')),
                              "text/plain");
    });
    router.add_async("GET", "/deferred",
                     [](Request&, Responder respond) { respond(Response::text(200, "later")); });
    mount_operational_routes(router, health_, registry_);
    return router;
  }

  std::uint16_t start(ServerOptions options = {}, std::optional<Router> router = std::nullopt) {
    server_ = std::make_unique<Server>(std::move(options), router ? std::move(*router) : routes(),
                                       logs_.logger(), registry_);
    port_ = server_->start();
    return port_;
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  // Sends a raw request and returns the answer's status, then whether the server closed.
  std::pair<int, bool> send_raw(const std::string& text) {
    auto connection = RawConnection::connect(port_);
    connection.send(text);
    const auto response = connection.read_response(5s);
    return {response.status, connection.closed_by_peer(2s)};
  }

  double metric(const std::string& line_prefix) {
    const std::string text = registry_.render();
    const auto at = text.find("\n" + line_prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + line_prefix.size() + 2));
  }

  Health health_;
  test::LogCapture logs_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  LastReadError last_error_;
  std::latch* upload_started_ = nullptr;
};

// ---- request smuggling (RFC 9112 §6) -----------------------------------------------------

TEST_F(HardeningTest, RefusesATransferEncodingOtherThanChunkedAndCloses) {
  start();
  // Beast alone would read this body as chunked ("chunked" is last) while a front proxy
  // may not: the classic TE.TE desync.
  const auto [status, closed] = send_raw(
      "POST /buffered HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "0\r\n\r\nGET /work HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(closed) << "the smuggled second request must not be served";
}

TEST_F(HardeningTest, RefusesAnUnknownTransferEncodingWithAContentLength) {
  start();
  // Beast would frame this by Content-Length and ignore the coding: a CL.TE desync.
  const auto [status, closed] = send_raw(
      "POST /buffered HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 4\r\n\r\n"
      "abcd");
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(closed);
}

TEST_F(HardeningTest, RefusesChunkedTogetherWithContentLength) {
  start();
  for (const auto* head :
       {"POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
        "chunked\r\n\r\n",
        "POST /buffered HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
        "5\r\n\r\n"}) {
    const auto [status, closed] = send_raw(std::string(head) + "0\r\n\r\n");
    EXPECT_EQ(status, 400) << head;
    EXPECT_TRUE(closed) << head;
  }
}

TEST_F(HardeningTest, RefusesSeveralDifferingContentLengths) {
  start();
  const auto [status, closed] = send_raw(
      "POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc");
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(closed);
}

TEST_F(HardeningTest, ABodyCutShortByAHalfCloseIsAnswered400) {
  start();
  auto connection = RawConnection::connect(port_);
  connection.send("POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\nabc");
  connection.shutdown_send();
  const auto response = connection.read_response(5s);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("ended after 3 of its 30 bytes"), std::string::npos)
      << response.body;
  EXPECT_TRUE(connection.closed_by_peer(2s));
}

TEST_F(HardeningTest, RefusesADuplicateHost) {
  start();
  const auto [status, closed] =
      send_raw("GET /work HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(closed);
}

TEST_F(HardeningTest, RefusesAnHttp11RequestWithoutHost) {
  start();
  const auto [status, closed] = send_raw("GET /work HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(closed);
}

TEST_F(HardeningTest, RefusesTransferEncodingOnHttp10) {
  start();
  const auto [status, closed] = send_raw(
      "POST /buffered HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(closed);
}

// ---- early answers reach a client that keeps sending ---------------------------------------

TEST_F(HardeningTest, ADeclaredOversizedBodyGets413EvenWhenTheClientSendsItAllFirst) {
  start(ServerOptions{.max_body_bytes = 1024 * 1024});
  auto connection = RawConnection::connect(port_);
  const std::size_t size = 8 * 1024 * 1024;
  // No Expect: 100-continue, and no reading before everything is sent: a naive client.
  connection.send("POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) +
                  "\r\n\r\n");
  const std::string piece(64 * 1024, 'x');
  for (std::size_t sent = 0; sent < size; sent += piece.size()) connection.send(piece);
  const auto response = connection.read_response(5s);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
}

TEST_F(HardeningTest, AStreamedRouteThatAnswersBeforeReadingStillReachesTheClient) {
  start();
  auto connection = RawConnection::connect(port_);
  const std::size_t size = 4 * 1024 * 1024;
  connection.send("POST /reject HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) +
                  "\r\n\r\n");
  const std::string piece(64 * 1024, 'y');
  for (std::size_t sent = 0; sent < size; sent += piece.size()) connection.send(piece);
  EXPECT_EQ(connection.read_response(5s).status, 415);
}

// ---- slow bodies ---------------------------------------------------------------------------

TEST_F(HardeningTest, ABodyTrickledBelowTheMinimumRateIsCutOff) {
  start(ServerOptions{.read_timeout = 10s, .min_body_rate = 1000, .body_rate_grace = 300ms});
  auto connection = RawConnection::connect(port_);
  connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  // A byte every 50 ms: each piece well within the read timeout, yet 20 bytes/s.
  auto failed = last_error_.failed.get_future();
  const auto started = Clock::now();
  while (failed.wait_for(50ms) == std::future_status::timeout && Clock::now() - started < 5s) {
    if (!connection.send_allow_error("x")) break;
  }
  ASSERT_EQ(failed.wait_for(0s), std::future_status::ready) << "the trickle was never cut off";
  EXPECT_LT(Clock::now() - started, 3s);
  std::lock_guard lock(last_error_.mutex);
  EXPECT_EQ(last_error_.error->code(), core::ErrorCode::kDeadlineExceeded);
  EXPECT_NE(last_error_.error->detail().find("slower than 1000 bytes/s"), std::string::npos)
      << last_error_.error->detail();
  EXPECT_GE(metric("http_request_bodies_too_slow_total"), 1);
}

TEST_F(HardeningTest, ABodyMustArriveWholeWithinTheBodyTimeout) {
  start(ServerOptions{.read_timeout = 10s, .body_timeout = 400ms, .min_body_rate = 0});
  auto connection = RawConnection::connect(port_);
  connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  auto failed = last_error_.failed.get_future();
  const auto started = Clock::now();
  while (failed.wait_for(20ms) == std::future_status::timeout && Clock::now() - started < 5s) {
    if (!connection.send_allow_error(std::string(100, 'x'))) break;
  }
  ASSERT_EQ(failed.wait_for(0s), std::future_status::ready);
  std::lock_guard lock(last_error_.mutex);
  EXPECT_EQ(last_error_.error->code(), core::ErrorCode::kDeadlineExceeded);
  EXPECT_NE(last_error_.error->detail().find("within 400 ms"), std::string::npos)
      << last_error_.error->detail();
  EXPECT_EQ(connection.read_response(5s).status, 408);
}

TEST_F(HardeningTest, StalledUploadsCannotStarveOrdinaryRoutesAndExtraOnesGet503) {
  std::latch both_started(2);
  upload_started_ = &both_started;
  // One worker for ordinary routes: if uploads ran there, /work would wait behind them.
  start(ServerOptions{
      .worker_threads = 1, .read_timeout = 10s, .max_streamed_requests = 2, .min_body_rate = 0});
  std::vector<RawConnection> stalled;
  for (int i = 0; i < 2; ++i) {
    stalled.push_back(RawConnection::connect(port_));
    stalled.back().send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab");
  }
  both_started.wait();

  const auto before = Clock::now();
  EXPECT_EQ(http_request(port_, "GET", "/work").status, 200);
  EXPECT_EQ(http_request(port_, "GET", "/health/ready").status, 200);
  EXPECT_LT(Clock::now() - before, 2s);

  auto third = RawConnection::connect(port_);
  third.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab");
  const auto refused = third.read_response(2s);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("Retry-After"), "1");
  EXPECT_GE(metric("http_streamed_requests_refused_total"), 1);
  upload_started_ = nullptr;
}

// ---- too many connections ------------------------------------------------------------------

TEST_F(HardeningTest, AtTheConnectionCapAcceptingWaitsAndResumesWhenOneCloses) {
  start(ServerOptions{.max_connections = 2});
  // Two connections in the middle of a request: busy, not idle.
  auto first = RawConnection::connect(port_);
  first.send("GET /work HTTP/1.1\r\nHost: x\r\n");
  auto second = RawConnection::connect(port_);
  second.send("GET /work HTTP/1.1\r\nHost: x\r\n");
  // Both accepted: the server is at its cap.
  const auto deadline = Clock::now() + 5s;
  while (metric("http_connections_open") < 2 && Clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(metric("http_connections_open"), 2);

  auto third = RawConnection::connect(port_);  // completes in the kernel's backlog
  third.send(format_request("GET", "/work"));
  EXPECT_THROW(third.read_response(300ms), std::runtime_error) << "served past the cap";

  first.send("\r\n");
  EXPECT_EQ(first.read_response(2s).status, 200);
  first.close();
  EXPECT_EQ(third.read_response(3s).status, 200);
  EXPECT_GE(metric("http_accept_paused_total"), 1);
  second.send("\r\n");
  EXPECT_EQ(second.read_response(2s).status, 200);
}

TEST_F(HardeningTest, AtTheConnectionCapIdleKeepAliveConnectionsMakeRoom) {
  start(ServerOptions{.max_connections = 2});
  auto first = RawConnection::connect(port_);
  first.send(format_request("GET", "/work"));
  EXPECT_EQ(first.read_response(2s).status, 200);  // now idle, kept alive
  auto second = RawConnection::connect(port_);
  second.send(format_request("GET", "/work"));
  EXPECT_EQ(second.read_response(2s).status, 200);

  auto third = RawConnection::connect(port_);
  third.send(format_request("GET", "/work"));
  EXPECT_EQ(third.read_response(3s).status, 200);
  EXPECT_TRUE(first.closed_by_peer(2s));
  EXPECT_TRUE(second.closed_by_peer(2s));
}

// ---- what a proxy relies on ----------------------------------------------------------------

TEST_F(HardeningTest, HopByHopFieldsAreRemovedBothWays) {
  start();
  auto connection = RawConnection::connect(port_);
  connection.send(
      "GET /echo-headers HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Hop\r\nX-Hop: "
      "secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-End-To-End: kept\r\n\r\n");
  const auto seen = connection.read_response(2s);
  EXPECT_EQ(seen.status, 200);
  EXPECT_EQ(seen.body, "Host;X-End-To-End;");

  const auto answer = http_request(port_, "GET", "/hop");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "hop");
  EXPECT_EQ(answer.header("X-Kept"), "yes");
  EXPECT_FALSE(answer.has_header("Transfer-Encoding"));
  EXPECT_FALSE(answer.has_header("Keep-Alive"));
  EXPECT_FALSE(answer.has_header("Upgrade"));
}

TEST_F(HardeningTest, ATailRouteSeesTheRawPathWithEncodedSlashes) {
  start();
  const auto response = http_request(port_, "GET", "/proxy/a%2Fb/c%20d?x=1");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "/a%2Fb/c%20d");
}

TEST_F(HardeningTest, ABodyOfUnknownLengthIsSentChunkedOrUntilCloseForHttp10) {
  start();
  auto connection = RawConnection::connect(port_);
  connection.send(format_request("GET", "/unsized"));
  const auto chunked = connection.read_response(2s);
  EXPECT_EQ(chunked.status, 200);
  EXPECT_EQ(chunked.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(chunked.body, std::string(15000, 'z'));
  // The connection stays usable after a chunked body.
  connection.send(format_request("GET", "/work"));
  EXPECT_EQ(connection.read_response(2s).body, "done");

  auto old = RawConnection::connect(port_);
  old.send("GET /unsized HTTP/1.0\r\n\r\n");
  const auto close_delimited = old.read_response(2s);
  EXPECT_EQ(close_delimited.status, 200);
  EXPECT_FALSE(close_delimited.has_header("Transfer-Encoding"));
  EXPECT_EQ(close_delimited.body, std::string(15000, 'z'));
}

TEST_F(HardeningTest, MiddlewareCoversSynchronousDeferredStreamedAndUnmatchedRequests) {
  Router router = routes();
  std::atomic<int> on_response_calls{0};
  router.use({.on_request = [](Request& request) -> std::optional<Response> {
                if (request.path.starts_with("/health")) return std::nullopt;
                if (request.headers.get("Authorization") == "Bearer ok") return std::nullopt;
                return Response::problem(401, "who are you?", request.path)
                    .with_header("WWW-Authenticate", "Bearer");
              },
              .on_response =
                  [&](const Request&, Response& response) {
                    ++on_response_calls;
                    response.headers.set("X-Chain", "seen");
                  }});
  start({}, std::move(router));
  const platform::testing::HeaderList authorised = {{"Authorization", "Bearer ok"}};
  for (const auto* path : {"/work", "/deferred", "/nowhere"}) {
    const auto refused = http_request(port_, "GET", path);
    EXPECT_EQ(refused.status, 401) << path;
    EXPECT_EQ(refused.header("X-Chain"), "seen") << path;
  }
  EXPECT_EQ(http_request(port_, "GET", "/deferred", "", authorised).body, "later");
  EXPECT_EQ(http_request(port_, "GET", "/deferred", "", authorised).header("X-Chain"), "seen");
  EXPECT_EQ(http_request(port_, "GET", "/nowhere", "", authorised).status, 404);

  // A streamed upload is refused before its body is read, and the answer still arrives.
  auto upload = RawConnection::connect(port_);
  upload.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
  upload.send(std::string(2000000, 'u'));
  EXPECT_EQ(upload.read_response(5s).status, 401);
  EXPECT_GE(on_response_calls.load(), 7);
}

TEST_F(HardeningTest, CountsLogLinesTheLoggerHadToDrop) {
  start();
  EXPECT_GE(metric("log_lines_dropped_total"), 0) << registry_.render();
}

}  // namespace
}  // namespace platform::http
