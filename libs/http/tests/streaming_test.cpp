// Streamed request bodies (Router::add_streamed) and streamed responses (Response::stream).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "log_capture.h"
#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/http/server.h"
#include "platform/testing/arrivals.h"
#include "platform/testing/http_client.h"
#include "platform/testing/temp_dir.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using platform::testing::format_request;
using platform::testing::http_request;
using platform::testing::RawConnection;

// A body of `size` bytes that is not periodic at any small stride.
std::string pattern_body(std::size_t size) {
  std::string body(size, '\0');
  std::uint32_t state = 12345;
  for (auto& c : body) {
    state = state * 1103515245U + 12345U;
    c = static_cast<char>(state >> 24);
  }
  return body;
}

// What a streamed handler saw.
struct Received {
  std::mutex mutex;
  std::string body;
  std::optional<core::Error> error;
  std::optional<std::uint64_t> content_length;
  std::promise<void> done;
  std::atomic<bool> finished{false};
};

// A streamed source of `data` read in uneven pieces, optionally failing at `fail_at`.
class StringSource final : public BodySource {
 public:
  explicit StringSource(std::string data, std::size_t fail_at = std::string::npos)
      : data_(std::move(data)), fail_at_(fail_at) {}
  std::optional<std::uint64_t> size() const override { return data_.size(); }
  core::Result<std::size_t> read(std::span<char> buffer) override {
    if (position_ >= fail_at_) return core::Error::unavailable("storage went away");
    const std::size_t n = std::min({buffer.size(), data_.size() - position_, std::size_t{7777}});
    std::copy_n(data_.data() + position_, n, buffer.data());
    position_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t fail_at_;
  std::size_t position_ = 0;
};

class FileSource final : public BodySource {
 public:
  FileSource(const std::filesystem::path& path, std::uint64_t offset, std::uint64_t size)
      : descriptor_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), offset_(offset), size_(size) {}
  ~FileSource() override {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  std::optional<std::uint64_t> size() const override { return size_; }
  core::Result<std::size_t> read(std::span<char>) override {
    return core::Error::internal("read() must not be called for a file range");
  }
  std::optional<FileRange> file_range() const override {
    return FileRange{.descriptor = descriptor_, .offset = offset_};
  }

 private:
  int descriptor_;
  std::uint64_t offset_;
  std::uint64_t size_;
};

class StreamingTest : public ::testing::Test {
 protected:
  // POST /upload reads the whole body in 4 KiB pieces; POST /limited stops after 1000
  // bytes with a 413; POST /reject answers 415 without reading.
  Router routes() {
    Router router;
    router.post_streamed("/upload", [this](Request& request) {
      std::array<char, 4096> chunk{};
      std::string body;
      {
        std::lock_guard lock(received_.mutex);
        received_.content_length = request.body_reader->content_length();
      }
      for (;;) {
        auto n = request.body_reader->read(chunk);
        if (!n) {
          std::lock_guard lock(received_.mutex);
          received_.error = n.error();
          break;
        }
        if (*n == 0) break;
        body.append(chunk.data(), *n);
        pieces_read_.arrive();
      }
      {
        std::lock_guard lock(received_.mutex);
        received_.body = body;
      }
      if (!received_.finished.exchange(true)) received_.done.set_value();
      if (received_.error) return Response::problem(*received_.error, request);
      return Response::json(201, "{\"size\":" + std::to_string(body.size()) + ",\"sha256\":\"" +
                                     core::sha256_hex(body) + "\"}");
    });
    // Reads in 64 KiB pieces and notes the largest one it got.
    router.post_streamed("/upload-wide", [this](Request& request) {
      std::vector<char> chunk(std::size_t{64} * 1024);
      std::size_t total = 0;
      for (;;) {
        auto n = request.body_reader->read(chunk);
        if (!n) return Response::problem(n.error(), request);
        if (*n == 0) break;
        total += *n;
        largest_piece_ = std::max(largest_piece_.load(), *n);
      }
      return Response::json(200, "{\"size\":" + std::to_string(total) + "}");
    });
    router.post_streamed("/limited", [](Request& request) {
      std::array<char, 1000> chunk{};
      auto n = request.body_reader->read(chunk);
      if (!n) return Response::problem(n.error(), request);
      return Response::problem(core::Error(core::ErrorCode::kTooLarge, "limit is 1000 bytes"),
                               request);
    });
    router.post_streamed("/reject", [](Request& request) {
      return Response::problem(core::Error(core::ErrorCode::kUnsupportedMediaType, "not this type"),
                               request);
    });
    router.get("/download/{size}", [this](Request& request) {
      const auto size = std::stoul(std::string(request.path_param("size")));
      return Response::stream(200, std::make_shared<StringSource>(download_.substr(0, size)),
                              "application/octet-stream");
    });
    router.get("/broken", [this](Request&) {
      return Response::stream(200, std::make_shared<StringSource>(download_, 100'000),
                              "application/octet-stream");
    });
    router.get("/file", [this](Request&) {
      return Response::stream(200, std::make_shared<FileSource>(file_, 1000, 2'000'000),
                              "application/octet-stream");
    });
    return router;
  }

  std::uint16_t start(ServerOptions options = {}) {
    download_ = pattern_body(3 * 1024 * 1024 + 17);
    server_ = std::make_unique<Server>(std::move(options), routes(), logs_.logger(), registry_);
    return server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  std::string download_;
  std::filesystem::path file_;
  Received received_;
  platform::testing::Arrivals pieces_read_;    // pieces the /upload handler has read
  std::atomic<std::size_t> largest_piece_{0};  // by the /upload-wide handler
  test::LogCapture logs_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
};

TEST_F(StreamingTest, StreamedUploadArrivesWholeAndBeyondTheBufferedLimit) {
  // The buffered limit is 64 KiB; the streamed route takes 5 MiB.
  const auto port = start(ServerOptions{.max_body_bytes = 64 * 1024});
  const std::string body = pattern_body(5 * 1024 * 1024 + 3);
  auto response =
      http_request(port, "POST", "/upload", body, {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.body, "{\"size\":" + std::to_string(body.size()) + ",\"sha256\":\"" +
                               core::sha256_hex(body) + "\"}");
  std::lock_guard lock(received_.mutex);
  EXPECT_EQ(received_.content_length, body.size());
  const auto line = logs_.wait_for("request", "route", "/upload");
  ASSERT_TRUE(line.has_value());
  EXPECT_GE(line->at("bytes_in").as_int64(), static_cast<std::int64_t>(body.size()));
}

// A handler that asks for large pieces gets them when the bytes are there: not the few
// KiB the connection's buffer had room for after the header (50 MiB took 13,000 reads,
// each a round trip between threads, and uploads ran at a third of their speed).
TEST_F(StreamingTest, AHandlerAskingForLargePiecesGetsThem) {
  const auto port = start();
  const std::string body = pattern_body(8 * 1024 * 1024);
  auto response = http_request(port, "POST", "/upload-wide", body,
                               {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, "{\"size\":" + std::to_string(body.size()) + "}");
  EXPECT_GT(largest_piece_.load(), std::size_t{16} * 1024);
}

TEST_F(StreamingTest, ChunkedUploadIsDecodedAndTheConnectionIsReused) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n");
  auto response = connection.read_response();
  EXPECT_EQ(response.status, 201);
  {
    std::lock_guard lock(received_.mutex);
    EXPECT_EQ(received_.body, "hello world!");
    EXPECT_FALSE(received_.content_length.has_value());
  }
  // The body was read to its end, so the connection carries the next request.
  connection.send(format_request("GET", "/download/10"));
  auto second = connection.read_response();
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, download_.substr(0, 10));
}

TEST_F(StreamingTest, MalformedChunkedFramingIsReportedToTheHandler) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n");
  auto response = connection.read_response();
  EXPECT_EQ(response.status, 400);
  std::lock_guard lock(received_.mutex);
  ASSERT_TRUE(received_.error.has_value());
  EXPECT_EQ(received_.error->code(), core::ErrorCode::kMalformed);
}

TEST_F(StreamingTest, HandlerThatStopsEarlyAnswersAndClosesTheConnection) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  const std::string body = pattern_body(8 * 1024 * 1024);
  connection.send("POST /limited HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n");
  // The server answers long before the 8 MiB are sent.
  std::thread sender([&] { connection.send_allow_error(body); });
  auto response = connection.read_response();
  sender.join();
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(StreamingTest, ExpectContinueIsOnlySentWhenTheHandlerReads) {
  const auto port = start();
  {
    auto connection = RawConnection::connect(port);
    connection.send(
        "POST /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
        "Expect: 100-continue\r\n\r\n");
    // The final answer comes first: no 100 Continue invited a body nobody reads.
    auto response = connection.read_response();
    EXPECT_EQ(response.status, 415);
  }
  auto connection = RawConnection::connect(port);
  connection.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(connection.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  connection.send("abcde");
  auto response = connection.read_response();
  EXPECT_EQ(response.status, 201);
}

TEST_F(StreamingTest, ClientThatDisconnectsMidBodyIsReportedToTheHandler) {
  const auto port = start();
  auto future = received_.done.get_future();
  {
    auto connection = RawConnection::connect(port);
    connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    connection.send(pattern_body(300'000));
    connection.close();
  }
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  std::lock_guard lock(received_.mutex);
  ASSERT_TRUE(received_.error.has_value());
  // An orderly close cut the message short: the client's fault, not the service's.
  EXPECT_EQ(received_.error->code(), core::ErrorCode::kMalformed);
  EXPECT_LE(received_.body.size(), 300'000U);
}

TEST_F(StreamingTest, AClientThatHalfClosesMidBodyIsToldItsBodyEndedEarly) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
  connection.send(pattern_body(300));
  connection.shutdown_send();
  const auto response = connection.read_response();
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  EXPECT_FALSE(response.has_header("Retry-After"));  // the same body would fail again
  EXPECT_NE(response.body.find("ended after 300 of its 1000 bytes"), std::string::npos)
      << response.body;
  EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(StreamingTest, AResetMidBodyIsReportedAsTheClientGone) {
  const auto port = start();
  auto future = received_.done.get_future();
  {
    auto connection = RawConnection::connect(port);
    connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    connection.send(pattern_body(3'000));
    ASSERT_TRUE(pieces_read_.wait_for(1, 5s));
    const ::linger reset{.l_onoff = 1, .l_linger = 0};  // close() then sends RST, not FIN
    ::setsockopt(connection.fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    connection.close();
  }
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  std::lock_guard lock(received_.mutex);
  ASSERT_TRUE(received_.error.has_value());
  EXPECT_EQ(received_.error->code(), core::ErrorCode::kUnavailable);
}

TEST_F(StreamingTest, StalledClientTimesOutInTheHandlersRead) {
  const auto port = start(ServerOptions{.read_timeout = 300ms});
  auto future = received_.done.get_future();
  auto connection = RawConnection::connect(port);
  connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly this");
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  {
    std::lock_guard lock(received_.mutex);
    ASSERT_TRUE(received_.error.has_value());
    EXPECT_EQ(received_.error->code(), core::ErrorCode::kDeadlineExceeded);
    EXPECT_EQ(received_.body, "only this");  // what came before the stall
  }
  // Whatever the handler answers, the connection ends: its body was not read whole.
  auto response = connection.read_response();
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(StreamingTest, StopDuringAStalledUploadEndsWithinTheShutdownTimeout) {
  const auto port = start(ServerOptions{.read_timeout = 60s, .shutdown_timeout = 300ms});
  auto future = received_.done.get_future();
  auto connection = RawConnection::connect(port);
  connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nsome");
  ASSERT_TRUE(pieces_read_.wait_for(1, 5s));  // the handler now waits for the rest
  const auto stop_started = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 3s);
  ASSERT_EQ(future.wait_for(1s), std::future_status::ready);
  std::lock_guard lock(received_.mutex);
  ASSERT_TRUE(received_.error.has_value());
  EXPECT_EQ(received_.error->code(), core::ErrorCode::kUnavailable);
}

TEST_F(StreamingTest, StreamedResponseCarriesTheWholeBody) {
  const auto port = start();
  auto response = http_request(port, "GET", "/download/" + std::to_string(download_.size()));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Length"), std::to_string(download_.size()));
  EXPECT_EQ(response.header("Content-Type"), "application/octet-stream");
  EXPECT_TRUE(response.has_header("X-Request-ID"));
  EXPECT_EQ(response.body.size(), download_.size());
  EXPECT_TRUE(response.body == download_);
}

TEST_F(StreamingTest, HeadOfAStreamedResponseHasNoBodyAndKeepsTheConnection) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send(format_request("HEAD", "/download/1000"));
  auto head = connection.read_response(10s, true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "1000");
  EXPECT_EQ(head.body, "");
  connection.send(format_request("GET", "/download/0"));
  auto empty = connection.read_response();
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.header("Content-Length"), "0");
}

TEST_F(StreamingTest, FailingSourceCutsTheBodyShortAndCloses) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send(format_request("GET", "/broken"));
  // The head promised the whole length; the body stops and the server closes, so a
  // client can never take a partial body for the whole.
  EXPECT_THROW(connection.read_response(5s), std::runtime_error);
  const auto line = logs_.wait_for("request", "route", "/broken");
  ASSERT_TRUE(line.has_value());
  EXPECT_LT(line->at("bytes_out").as_int64(), static_cast<std::int64_t>(download_.size()));
  EXPECT_EQ(logs_.lines_with_msg("response body source failed").size(), 1U);
}

TEST_F(StreamingTest, FileRangeIsSentWithSendfile) {
  platform::testing::TemporaryDirectory dir;
  file_ = dir.path() / "data.bin";
  const std::string content = pattern_body(3'000'000);
  std::ofstream(file_, std::ios::binary) << content;
  const auto port = start();
  auto connection = RawConnection::connect(port);
  for (int i = 0; i < 2; ++i) {  // twice on one connection: the range ends cleanly
    connection.send(format_request("GET", "/file"));
    auto response = connection.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.header("Content-Length"), "2000000");
    EXPECT_TRUE(response.body == content.substr(1000, 2'000'000));
  }
}

TEST_F(StreamingTest, ClientThatLeavesDuringASendfileDoesNotHurtTheServer) {
  platform::testing::TemporaryDirectory dir;
  file_ = dir.path() / "data.bin";
  std::ofstream(file_, std::ios::binary) << pattern_body(3'000'000);
  const auto port = start();
  for (int i = 0; i < 20; ++i) {
    auto connection = RawConnection::connect(port);
    connection.send(format_request("GET", "/file"));
    connection.read_until("\r\n\r\n");
    // Reset instead of an orderly close: the next sendfile meets a dead peer at once.
    const linger abort{1, 0};
    ::setsockopt(connection.fd(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    connection.close();
  }
  auto response = http_request(port, "GET", "/download/10");
  EXPECT_EQ(response.status, 200);
}

}  // namespace
}  // namespace platform::http
