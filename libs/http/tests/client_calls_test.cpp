// The client's calls against our own server: deadlines, cancellation, asynchronous
// starts, streamed bodies both ways, and the cap on connections per host.
#include <gtest/gtest.h>

#include <algorithm>
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
#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/http/client.h"
#include "platform/http/server.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;

std::string url(std::uint16_t port, std::string_view target) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(target);
}

// `size` bytes that are not periodic at any small stride.
std::string pattern(std::size_t size) {
  std::string body(size, '\0');
  std::uint32_t state = 7;
  for (auto& c : body) {
    state = state * 1103515245U + 12345U;
    c = static_cast<char>(state >> 24);
  }
  return body;
}

// A request body read in pieces of at most 10,000 bytes, its size told or not.
class PatternSource final : public BodySource {
 public:
  PatternSource(std::string data, bool tell_size) : data_(std::move(data)), tell_(tell_size) {}
  std::optional<std::uint64_t> size() const override {
    if (!tell_) return std::nullopt;
    return data_.size();
  }
  core::Result<std::size_t> read(std::span<char> buffer) override {
    const std::size_t n = std::min({buffer.size(), data_.size() - position_, std::size_t{10000}});
    std::copy_n(data_.data() + position_, n, buffer.data());
    position_ += n;
    return n;
  }

 private:
  std::string data_;
  bool tell_;
  std::size_t position_ = 0;
};

// A 20-byte body: 10 bytes at once, the other 10 once the test lets them (`release`).
class HeldSource final : public BodySource {
 public:
  HeldSource(std::latch& started, std::latch& release) : started_(started), release_(release) {}
  std::optional<std::uint64_t> size() const override { return 20; }
  core::Result<std::size_t> read(std::span<char> buffer) override {
    if (sent_ == 10) {
      started_.count_down();
      release_.wait();
    }
    const std::size_t n = std::min<std::size_t>(buffer.size(), 10 - sent_ % 10);
    std::fill_n(buffer.data(), n, 'h');
    sent_ += n;
    return n;
  }

 private:
  std::latch& started_;
  std::latch& release_;
  std::size_t sent_ = 0;
};

// Holds the client's (only) network thread: the callback of a call refused at once runs
// there. Released when destroyed.
class ClientThreadHold {
 public:
  explicit ClientThreadHold(Client& client) {
    client.start({.url = "not a url"}, {},
                 [&holding = holding_,
                  released = release_.get_future().share()](core::Result<ClientResponse>) {
                   holding.count_down();
                   released.wait();
                 });
    holding_.wait();
  }
  ~ClientThreadHold() { release(); }
  ClientThreadHold(const ClientThreadHold&) = delete;
  ClientThreadHold& operator=(const ClientThreadHold&) = delete;
  void release() {
    if (!released_) release_.set_value();
    released_ = true;
  }

 private:
  std::latch holding_{1};
  std::promise<void> release_;
  bool released_ = false;
};

class ClientCallsTest : public ::testing::Test {
 protected:
  Router routes() {
    Router router;
    router.get("/slow/{ms}", [this](Request& request) {
      ++slow_started_;
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::stoi(std::string(request.path_param("ms")))));
      return Response::text(200, "slow");
    });
    router.get("/bytes/{n}", [](Request& request) {
      return Response::text(200, pattern(std::stoul(std::string(request.path_param("n")))));
    });
    router.get("/empty", [](Request&) { return Response::no_content(); });
    // Answers (without a body) once the test lets it.
    router.get("/held", [this](Request&) {
      held_started_.count_down();
      held_release_.wait();
      return Response::no_content();
    });
    // A header at once, the body once the test lets it.
    router.get("/held-body", [this](Request&) {
      return Response::stream(200, std::make_shared<HeldSource>(held_started_, held_release_),
                              "application/octet-stream");
    });
    router.post_streamed("/digest", [](Request& request) {
      std::array<char, 8192> chunk{};
      std::string body;
      for (;;) {
        auto n = request.body_reader->read(chunk);
        if (!n) return Response::body_read_failure(n.error(), request);
        if (*n == 0) break;
        body.append(chunk.data(), *n);
      }
      const std::string framing =
          request.body_reader->content_length() ? "content-length" : "chunked";
      return Response::text(
          200, framing + " " + std::to_string(body.size()) + " " + core::sha256_hex(body));
    });
    router.get("/busy", [](Request&) {
      return Response::problem(503, "busy", "/busy").with_header("Retry-After", "3");
    });
    return router;
  }

  std::uint16_t start(ServerOptions options = {}) {
    server_ = std::make_unique<Server>(std::move(options), routes(), logs_.logger(), registry_);
    port_ = server_->start();
    return port_;
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  double server_connections() { return registry_.counter("http_connections_total", "").value(); }

  test::LogCapture logs_;
  metrics::Registry registry_;
  metrics::Registry client_registry_;
  std::latch held_started_{1};
  std::latch held_release_{1};
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> slow_started_{0};
};

TEST_F(ClientCallsTest, ACallsOwnTimeoutOverridesTheClientsDefault) {
  start();
  Client client(ClientOptions{.request_timeout = 10s});
  const auto started = Clock::now();
  auto response = client.send({.url = url(port_, "/slow/2000")}, {.timeout = 200ms});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_NE(response.error().detail().find("within 200 ms"), std::string::npos)
      << response.error().detail();
}

TEST_F(ClientCallsTest, AnAbsoluteDeadlineCoversWaitingForAConnectionToo) {
  start(ServerOptions{.worker_threads = 4});
  Client client(ClientOptions{.max_connections_per_host = 1});
  // The only connection is busy for 1.5 s; the second call may wait 200 ms in all.
  auto busy = std::async(std::launch::async,
                         [&] { return client.send({.url = url(port_, "/slow/1500")}); });
  while (slow_started_.load() == 0) std::this_thread::yield();
  const auto started = Clock::now();
  auto waiting = client.send({.url = url(port_, "/bytes/10")}, {.deadline = Clock::now() + 200ms});
  ASSERT_FALSE(waiting);
  EXPECT_EQ(waiting.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_TRUE(busy.get());
}

TEST_F(ClientCallsTest, StartReturnsAtOnceAndTheCallbackGetsTheAnswer) {
  start();
  Client client;
  std::promise<core::Result<ClientResponse>> answered;
  auto answer = answered.get_future();
  const auto before = Clock::now();
  client.start(
      {.url = url(port_, "/slow/300")}, {},
      [&answered](core::Result<ClientResponse> result) { answered.set_value(std::move(result)); });
  EXPECT_LT(Clock::now() - before, 100ms);
  ASSERT_EQ(answer.wait_for(3s), std::future_status::ready);
  auto result = answer.get();
  ASSERT_TRUE(result) << result.error().detail();
  EXPECT_EQ(result->body, "slow");
}

TEST_F(ClientCallsTest, ManyCallsInFlightHoldNoThreadEach) {
  start(ServerOptions{.worker_threads = 32});
  Client client;
  constexpr int kCalls = 30;
  std::latch all_done(kCalls);
  std::atomic<int> ok{0};
  const auto before = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    client.start({.url = url(port_, "/slow/300")}, {}, [&](core::Result<ClientResponse> result) {
      if (result && result->status == 200) ++ok;
      all_done.count_down();
    });
  }
  all_done.wait();
  EXPECT_EQ(ok.load(), kCalls);
  // Run one after another they would take 9 s; in flight together, about one call's time.
  EXPECT_LT(Clock::now() - before, 3s);
}

TEST_F(ClientCallsTest, CancellingACallEndsItAtOnce) {
  start();
  Client client;
  std::promise<core::Result<ClientResponse>> answered;
  auto answer = answered.get_future();
  CallHandle call = client.start(
      {.url = url(port_, "/slow/3000")}, {},
      [&answered](core::Result<ClientResponse> result) { answered.set_value(std::move(result)); });
  while (slow_started_.load() == 0) std::this_thread::yield();
  const auto before = Clock::now();
  call.cancel();
  call.cancel();  // twice is harmless
  ASSERT_EQ(answer.wait_for(1s), std::future_status::ready);
  EXPECT_LT(Clock::now() - before, 500ms);
  auto result = answer.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(result.error().detail().find("cancelled"), std::string::npos);
  // The client goes on working.
  auto next = client.send({.url = url(port_, "/bytes/5")});
  ASSERT_TRUE(next) << next.error().detail();
  EXPECT_EQ(next->body.size(), 5u);
}

TEST_F(ClientCallsTest, StreamsARequestBodyWithItsLengthOrChunked) {
  start();
  Client client;
  const std::string body = pattern(3 * 1024 * 1024 + 11);
  const std::string digest = core::sha256_hex(body);
  auto sized = client.send({.method = "POST",
                            .url = url(port_, "/digest"),
                            .body_source = std::make_shared<PatternSource>(body, true)});
  ASSERT_TRUE(sized) << sized.error().detail();
  EXPECT_EQ(sized->body, "content-length " + std::to_string(body.size()) + " " + digest);
  auto unsized = client.send({.method = "POST",
                              .url = url(port_, "/digest"),
                              .body_source = std::make_shared<PatternSource>(body, false)});
  ASSERT_TRUE(unsized) << unsized.error().detail();
  EXPECT_EQ(unsized->body, "chunked " + std::to_string(body.size()) + " " + digest);
  EXPECT_EQ(server_connections(), 1) << "both calls on one kept-alive connection";
}

// A request body whose source fails part way (a proxied client's broken upload) ends the
// call with the source's own error, marked as the request body's: the caller's fault, which
// a resilient client must not count against the peer. A transport failure is not so marked.
TEST_F(ClientCallsTest, ARequestBodyWhoseReadFailsEndsTheCallWithThatReadsError) {
  start();
  test::LogCapture client_logs;
  Client client(ClientOptions{}, nullptr, &client_logs.logger());
  class BrokenUpload final : public BodySource {
   public:
    std::optional<std::uint64_t> size() const override { return 1024 * 1024; }
    core::Result<std::size_t> read(std::span<char> buffer) override {
      if (reads_++ > 0) return core::Error::malformed("malformed request body: bad chunk");
      std::fill(buffer.begin(), buffer.begin() + 100, 'x');
      return std::size_t{100};
    }

   private:
    int reads_ = 0;
  };
  auto broken = client.send({.method = "POST",
                             .url = url(port_, "/digest"),
                             .body_source = std::make_shared<BrokenUpload>()});
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(broken.error().detail(), "malformed request body: bad chunk");
  EXPECT_TRUE(broken.error().request_body_failed());
  // The caller's error, not the client's: no error line of its own (a gateway would log
  // one for every client that breaks off an upload).
  EXPECT_TRUE(client_logs.lines_with_msg("request body source failed").empty());

  // A source that ends before its declared size broke its word: a bug, logged.
  class ShortUpload final : public BodySource {
   public:
    std::optional<std::uint64_t> size() const override { return 1024; }
    core::Result<std::size_t> read(std::span<char> buffer) override {
      if (reads_++ > 0) return std::size_t{0};
      std::fill(buffer.begin(), buffer.begin() + 10, 'x');
      return std::size_t{10};
    }

   private:
    int reads_ = 0;
  };
  auto short_upload = client.send({.method = "POST",
                                   .url = url(port_, "/digest"),
                                   .body_source = std::make_shared<ShortUpload>()});
  ASSERT_FALSE(short_upload);
  EXPECT_EQ(client_logs.lines_with_msg("request body source failed").size(), 1U);

  auto refused = client.send({.url = "http://127.0.0.1:1/"});
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().request_body_failed());

  // The call's deadline passes while the source is still waited for (a client's stalled
  // upload): the source's failure, when it comes, is still what ended the call.
  class StalledUpload final : public BodySource {
   public:
    std::optional<std::uint64_t> size() const override { return 1024; }
    core::Result<std::size_t> read(std::span<char> buffer) override {
      if (reads_++ == 0) {
        std::fill(buffer.begin(), buffer.begin() + 10, 'x');
        return std::size_t{10};
      }
      std::this_thread::sleep_for(400ms);
      return core::Error(ErrorCode::kDeadlineExceeded, "no part of the body arrived in time");
    }

   private:
    int reads_ = 0;
  };
  auto stalled = client.send({.method = "POST",
                              .url = url(port_, "/digest"),
                              .body_source = std::make_shared<StalledUpload>()},
                             {.timeout = 100ms});
  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(stalled.error().detail(), "no part of the body arrived in time");
  EXPECT_TRUE(stalled.error().request_body_failed());
  // The client goes on working.
  auto next = client.send({.url = url(port_, "/bytes/5")});
  ASSERT_TRUE(next) << next.error().detail();
}

TEST_F(ClientCallsTest, StreamsAResponseBodyPieceByPieceBeyondTheBufferedLimit) {
  start();
  Client client(ClientOptions{.max_response_bytes = 1024});
  const std::size_t size = 5 * 1024 * 1024;
  auto response =
      client.send({.url = url(port_, "/bytes/" + std::to_string(size))}, {.stream_response = true});
  ASSERT_TRUE(response) << response.error().detail();
  ASSERT_TRUE(response->body_stream);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(response->body_stream->content_length(), size);
  std::string received;
  std::array<char, 65536> chunk{};
  for (;;) {
    auto n = response->body_stream->read(chunk);
    ASSERT_TRUE(n) << n.error().detail() << " " << n.error().log_detail();
    if (*n == 0) break;
    received.append(chunk.data(), *n);
  }
  EXPECT_EQ(received, pattern(size));
  response->body_stream.reset();  // read whole: the connection goes back to the pool
  auto next = client.send({.url = url(port_, "/bytes/3")});
  ASSERT_TRUE(next);
  EXPECT_EQ(server_connections(), 1);
}

TEST_F(ClientCallsTest, ASmallAnswerComesWholeEvenWhenStreamingWasAskedFor) {
  start();
  Client client;
  auto small = client.send({.url = url(port_, "/bytes/1000")},
                           {.stream_response = true, .buffer_response_up_to = 4096});
  ASSERT_TRUE(small) << small.error().detail();
  EXPECT_FALSE(small->body_stream);
  EXPECT_EQ(small->body, pattern(1000));
  auto large = client.send({.url = url(port_, "/bytes/10000")},
                           {.stream_response = true, .buffer_response_up_to = 4096});
  ASSERT_TRUE(large) << large.error().detail();
  ASSERT_TRUE(large->body_stream);
  EXPECT_TRUE(large->body.empty());
}

TEST_F(ClientCallsTest, AStreamDroppedBeforeItsEndClosesItsConnection) {
  start();
  Client client;
  auto response = client.send({.url = url(port_, "/bytes/4000000")}, {.stream_response = true});
  ASSERT_TRUE(response);
  std::array<char, 1000> chunk{};
  ASSERT_TRUE(response->body_stream->read(chunk));
  response->body_stream.reset();  // the rest of the body is still on the wire
  auto next = client.send({.url = url(port_, "/bytes/3")});
  ASSERT_TRUE(next) << next.error().detail();
  EXPECT_EQ(next->body, pattern(3));
  EXPECT_EQ(server_connections(), 2);
}

// A body stream may outlive its client (the caller still holds the response when the
// client is destroyed): its reads then fail, and neither a read nor its destruction
// touches the client's freed state (run under ASan).
TEST_F(ClientCallsTest, AStreamOutlivingItsClientFailsWithoutTouchingIt) {
  start();
  std::shared_ptr<BodyReader> stream;
  std::array<char, 1000> chunk{};
  {
    Client client;
    auto response = client.send({.url = url(port_, "/bytes/4000000")}, {.stream_response = true});
    ASSERT_TRUE(response) << response.error().detail();
    stream = response->body_stream;
    ASSERT_TRUE(stream->read(chunk));
  }
  auto after = stream->read(chunk);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code(), ErrorCode::kUnavailable);
  stream.reset();
}

// The timer of a body read whose bytes and deadline reach the client at once fires after
// the read ended: it must touch neither the read's finished coroutine nor the connection
// (run under ASan: it used to write into the freed coroutine frame).
TEST_F(ClientCallsTest, ABodyReadTimerFiringAfterTheReadEndedTouchesNothing) {
  start(ServerOptions{.worker_threads = 2});
  Client client;
  const auto deadline = Clock::now() + 400ms;
  auto response = client.send({.url = url(port_, "/held-body")},
                              {.deadline = deadline, .stream_response = true});
  ASSERT_TRUE(response) << response.error().detail();
  // The first 10 bytes one by one: each read's coroutine frame ends on the client's
  // thread, which then has its cache of frames full, so that ASan sees the next one freed.
  for (int i = 0; i < 10; ++i) {
    std::array<char, 1> byte{};
    auto one = response->body_stream->read(byte);
    ASSERT_TRUE(one && *one == 1) << i;
  }
  held_started_.wait();  // the rest is held
  std::latch reading(1);
  auto read = std::async(std::launch::async, [&] {
    std::array<char, 100> chunk{};
    reading.count_down();
    return response->body_stream->read(chunk);
  });
  reading.wait();
  {
    // Queued behind the read (the reader thread is past its start), holds the client's
    // thread while the body arrives and the deadline passes: both then reach the client
    // at once. (Should the hold win the race with the read's start, the read begins after
    // its deadline, with request_timeout, and the test passes without checking much.)
    ClientThreadHold hold(client);
    held_release_.count_down();
    EXPECT_TRUE(logs_.wait_for("request", "route", "/held-body"));  // the body is out
    std::this_thread::sleep_until(deadline + 20ms);
  }
  ASSERT_EQ(read.wait_for(3s), std::future_status::ready);
  auto piece = read.get();
  // Either may win: the bytes, or the deadline.
  if (piece) {
    EXPECT_EQ(*piece, 10u);
  } else {
    EXPECT_EQ(piece.error().code(), ErrorCode::kDeadlineExceeded);
  }
  response->body_stream.reset();
  auto next = client.send({.url = url(port_, "/bytes/3")});
  ASSERT_TRUE(next) << next.error().detail();
}

TEST_F(ClientCallsTest, AStreamedAnswerWithoutABodyStillHasAStream) {
  start();
  Client client;
  auto response = client.send({.url = url(port_, "/empty")}, {.stream_response = true});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204);
  ASSERT_TRUE(response->body_stream);
  std::array<char, 10> chunk{};
  EXPECT_EQ(*response->body_stream->read(chunk), 0u);
}

TEST_F(ClientCallsTest, CapsConnectionsPerHostAndQueuesTheRest) {
  start(ServerOptions{.worker_threads = 8});
  Client client(ClientOptions{.max_connections_per_host = 2}, &client_registry_);
  constexpr int kCalls = 6;
  std::vector<std::future<core::Result<ClientResponse>>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(std::async(std::launch::async,
                               [&] { return client.send({.url = url(port_, "/slow/150")}); }));
  }
  for (auto& call : calls) {
    auto result = call.get();
    ASSERT_TRUE(result) << result.error().detail();
    EXPECT_EQ(result->status, 200);
  }
  EXPECT_LE(server_connections(), 2);
  EXPECT_GE(client_registry_
                .counter("http_client_pool_waits_total", "",
                         {{"peer", "127.0.0.1:" + std::to_string(port_)}})
                .value(),
            1);
}

// Each network thread has its own connections: the cap holds across all of them only
// because every call to one host runs on the same one.
TEST_F(ClientCallsTest, TheCapPerHostHoldsAcrossNetworkThreads) {
  start(ServerOptions{.worker_threads = 8});
  Client client(ClientOptions{.max_connections_per_host = 2, .io_threads = 4});
  constexpr int kCalls = 8;
  std::latch all_done(kCalls);
  std::atomic<int> ok{0};
  for (int i = 0; i < kCalls; ++i) {
    client.start({.url = url(port_, "/slow/100")}, {}, [&](core::Result<ClientResponse> result) {
      if (result && result->status == 200) ++ok;
      all_done.count_down();
    });
  }
  all_done.wait();
  EXPECT_EQ(ok.load(), kCalls);
  EXPECT_LE(server_connections(), 2);
}

// A waiter whose deadline passes just as a connection is handed to it gives up (deadline
// exceeded) and hands the connection on to the next waiter, rather than sending its
// request with no deadline left to bound it.
TEST_F(ClientCallsTest, AWaiterPastItsDeadlineHandsTheConnectionItGotToTheNext) {
  start(ServerOptions{.worker_threads = 4});
  const auto waits = [this] {
    return client_registry_
        .counter("http_client_pool_waits_total", "",
                 {{"peer", "127.0.0.1:" + std::to_string(port_)}})
        .value();
  };
  using Answer = std::promise<core::Result<ClientResponse>>;
  const auto keep = [](Answer& answer) {
    return [&answer](core::Result<ClientResponse> result) { answer.set_value(std::move(result)); };
  };
  // Declared before the client: they outlive it and its callbacks.
  Answer first_answer, late_answer, next_answer;
  std::promise<void> holding;
  std::promise<void> release;
  Client client(ClientOptions{.max_connections_per_host = 1}, &client_registry_);  // 1 thread
  // The only connection is busy for 300 ms.
  client.start({.url = url(port_, "/slow/300")}, {}, keep(first_answer));
  while (slow_started_.load() == 0) std::this_thread::yield();
  // Two calls wait for it; the first may wait 150 ms.
  const auto late_deadline = Clock::now() + 150ms;
  client.start({.url = url(port_, "/slow/1000")}, {.deadline = late_deadline}, keep(late_answer));
  while (waits() < 1) std::this_thread::yield();
  client.start({.url = url(port_, "/bytes/2")}, {.timeout = 5s}, keep(next_answer));
  while (waits() < 2) std::this_thread::yield();

  // Hold the client's thread (a refused call's callback runs there) until the first answer
  // arrived and the waiter's deadline passed: both then reach the client at once.
  client.start({.url = "not a url"}, {},
               [&holding, released = release.get_future().share()](core::Result<ClientResponse>) {
                 holding.set_value();
                 released.wait();
               });
  holding.get_future().wait();
  EXPECT_TRUE(logs_.wait_for("request", "route", "/slow/{ms}"));
  std::this_thread::sleep_until(late_deadline + 20ms);
  const auto released_at = Clock::now();
  release.set_value();

  auto late = late_answer.get_future();
  ASSERT_EQ(late.wait_for(3s), std::future_status::ready);
  auto late_result = late.get();
  ASSERT_FALSE(late_result) << "status " << late_result->status;
  EXPECT_EQ(late_result.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - released_at, 500ms) << "not after its request ran undeadlined";
  auto next = next_answer.get_future().get();
  ASSERT_TRUE(next) << next.error().detail();
  EXPECT_EQ(next->body, pattern(2));
  EXPECT_TRUE(first_answer.get_future().get());
  EXPECT_EQ(server_connections(), 1) << "the connection was handed on, not a new one opened";
}

// The deadline timer of a call whose answer and deadline reach the client at once fires
// after the call finished and was freed: it must find nothing (run under ASan: it used to
// read the freed call).
TEST_F(ClientCallsTest, ADeadlineTimerFiringAfterTheCallEndedTouchesNothing) {
  start(ServerOptions{.worker_threads = 2});
  std::promise<core::Result<ClientResponse>> answered;  // outlives the client
  Client client;
  const auto deadline = Clock::now() + 300ms;
  client.start(
      {.url = url(port_, "/held")}, {.deadline = deadline},
      [&answered](core::Result<ClientResponse> result) { answered.set_value(std::move(result)); });
  held_started_.wait();  // the request is out; the call waits for the answer
  {
    ClientThreadHold hold(client);
    held_release_.count_down();
    EXPECT_TRUE(logs_.wait_for("request", "route", "/held"));  // the answer is on its way
    std::this_thread::sleep_until(deadline + 20ms);
  }
  auto answer = answered.get_future();
  ASSERT_EQ(answer.wait_for(3s), std::future_status::ready);
  auto result = answer.get();
  // Either may win; the answer is one of the two, and the client goes on working.
  if (result) {
    EXPECT_EQ(result->status, 204);
  } else {
    EXPECT_EQ(result.error().code(), ErrorCode::kDeadlineExceeded);
  }
  auto next = client.send({.url = url(port_, "/bytes/3")});
  ASSERT_TRUE(next) << next.error().detail();
}

TEST_F(ClientCallsTest, ExposesRetryAfter) {
  start();
  Client client;
  auto busy = client.send({.url = url(port_, "/busy")});
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->retry_after(), std::chrono::seconds(3));
}

TEST_F(ClientCallsTest, ShutdownEndsACallInFlightAndRefusesLaterOnes) {
  start();
  Client client;
  auto call = std::async(std::launch::async,
                         [&] { return client.send({.url = url(port_, "/slow/3000")}); });
  while (slow_started_.load() == 0) std::this_thread::yield();
  client.shutdown();
  ASSERT_EQ(call.wait_for(1s), std::future_status::ready);
  auto result = call.get();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().detail().find("shutting down"), std::string::npos);
  auto later = client.send({.url = url(port_, "/bytes/1")});
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace platform::http
