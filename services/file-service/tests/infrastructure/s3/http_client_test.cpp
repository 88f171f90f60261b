// The S3 HTTP client against a one-shot loopback server that answers canned bytes: the
// body framings S3 servers use (Content-Length, chunked, until close), file-streamed
// request bodies, and transport failures.
#include "infrastructure/s3/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "platform/testing/temp_dir.h"

namespace file_service::infrastructure::s3 {
namespace {

using namespace std::chrono_literals;
using platform::core::ErrorCode;

// Accepts one connection on 127.0.0.1:<ephemeral>, reads the request head and its
// Content-Length body, answers `reply` and closes.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply, bool answer = true) : reply_(std::move(reply)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 1);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answer] { serve(answer); });
  }
  ~OneShotServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }

  Endpoint endpoint() const { return {.tls = false, .host = "127.0.0.1", .port = port_}; }
  const std::string& request() const { return request_; }  // valid after the response

 private:
  void serve(bool answer) {
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    char chunk[65536];
    std::size_t expected = std::string::npos;
    while (expected == std::string::npos || request_.size() < expected) {
      const ssize_t n = ::recv(connection, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      request_.append(chunk, static_cast<std::size_t>(n));
      const std::size_t head_end = request_.find("\r\n\r\n");
      if (expected == std::string::npos && head_end != std::string::npos) {
        std::size_t body = 0;
        if (auto at = request_.find("Content-Length: "); at != std::string::npos)
          body = std::stoul(request_.substr(at + 16));
        expected = head_end + 4 + body;
      }
    }
    if (answer) {
      ::send(connection, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    } else {
      std::this_thread::sleep_for(1s);  // lets the client's I/O timeout fire
    }
    ::close(connection);
  }

  std::string reply_;
  std::string request_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

std::string body_of(HttpResponse& response) {
  auto body = response.read_all();
  EXPECT_TRUE(body) << body.error().log_detail();
  return body ? *body : std::string();
}

TEST(Endpoint, ParsesSchemeHostPortAndBasePath) {
  auto plain = Endpoint::parse("http://127.0.0.1:9000");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 9000);
  EXPECT_EQ(plain->base_path, "");
  EXPECT_EQ(plain->host_header(), "127.0.0.1:9000");

  auto tls = Endpoint::parse("https://s3.example.com/storage%20v1/");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->base_path, "/storage v1");
  EXPECT_EQ(tls->host_header(), "s3.example.com");

  auto v6 = Endpoint::parse("http://[::1]:8080");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header(), "[::1]:8080");
}

TEST(Endpoint, RejectsWhatIsNotAnHttpUrl) {
  for (const char* url : {"ftp://host", "http://", "http://host:0", "http://host:99999",
                          "http://user@host", "http://host/?q", "host:9000"})
    EXPECT_FALSE(Endpoint::parse(url)) << url;
}

TEST(HttpClient, ReadsAContentLengthBody) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Thing:  v \r\n\r\nhello");
  HttpClient client({});
  auto response = client.send(server.endpoint(), {.method = "GET", .target = "/a%20b?x=1"});
  ASSERT_TRUE(response) << response.error().log_detail();
  EXPECT_EQ(response->status(), 200);
  EXPECT_EQ(response->header("x-thing"), "v");
  EXPECT_EQ(body_of(*response), "hello");
  EXPECT_TRUE(server.request().starts_with("GET /a%20b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:"));
}

TEST(HttpClient, DecodesAChunkedBody) {
  OneShotServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7;name=value\r\n, world\r\n0\r\nTrailer: x\r\n\r\n");
  HttpClient client({});
  auto response = client.send(server.endpoint(), {.method = "GET", .target = "/"});
  ASSERT_TRUE(response) << response.error().log_detail();
  // One byte at a time crosses every chunk boundary.
  std::string body;
  char byte;
  for (;;) {
    auto n = response->read({&byte, 1});
    ASSERT_TRUE(n) << n.error().log_detail();
    if (*n == 0) break;
    body.push_back(byte);
  }
  EXPECT_EQ(body, "hello, world");
}

TEST(HttpClient, ReadsABodyThatEndsWithTheConnection) {
  OneShotServer server("HTTP/1.1 200 OK\r\n\r\nuntil close");
  HttpClient client({});
  auto response = client.send(server.endpoint(), {.method = "GET", .target = "/"});
  ASSERT_TRUE(response);
  EXPECT_EQ(body_of(*response), "until close");
}

TEST(HttpClient, ReportsABodyCutShortAsUnavailable) {
  OneShotServer server("HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n\r\nabc");
  HttpClient client({});
  auto response = client.send(server.endpoint(), {.method = "GET", .target = "/"});
  ASSERT_TRUE(response);
  auto body = response->read_all();
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), ErrorCode::kUnavailable);
}

TEST(HttpClient, IgnoresTheContentLengthOfAHeadResponse) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
  HttpClient client({});
  auto response = client.send(server.endpoint(), {.method = "HEAD", .target = "/"});
  ASSERT_TRUE(response);
  EXPECT_EQ(body_of(*response), "");
}

TEST(HttpClient, StreamsARequestBodyFromAFile) {
  platform::testing::TemporaryDirectory directory;
  const auto file = directory.path() / "body";
  const std::string content(300 * 1024, 'x');
  std::ofstream(file, std::ios::binary) << content;
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  HttpClient client({});
  auto response =
      client.send(server.endpoint(), {.method = "PUT", .target = "/k", .body_file = file});
  ASSERT_TRUE(response) << response.error().log_detail();
  EXPECT_EQ(response->status(), 200);
  EXPECT_NE(server.request().find("Content-Length: 307200\r\n"), std::string::npos);
  EXPECT_TRUE(server.request().ends_with("\r\n\r\n" + content));
}

TEST(HttpClient, ReportsARefusedConnectionAsUnavailable) {
  std::uint16_t port = 0;
  {
    OneShotServer closed("");  // a port that was free a moment ago, closed again
    port = closed.endpoint().port;
  }
  HttpClient client({.connect_timeout = 1s});
  auto response =
      client.send({.host = "127.0.0.1", .port = port}, {.method = "GET", .target = "/"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
}

TEST(HttpClient, GivesUpOnASilentServerAfterTheIoTimeout) {
  OneShotServer server("", /*answer=*/false);
  HttpClient client({.connect_timeout = 1s, .io_timeout = 200ms});
  const auto started = std::chrono::steady_clock::now();
  auto response = client.send(server.endpoint(), {.method = "GET", .target = "/"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);
}

TEST(HttpClient, RefusesAnHttpsPeerItCannotVerify) {
  // A plain-text server on the far side: the TLS handshake fails, as any unverifiable
  // peer must, and that is an error value, not a crash.
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  HttpClient client({.connect_timeout = 1s, .io_timeout = 1s});
  Endpoint endpoint = server.endpoint();
  endpoint.tls = true;
  auto response = client.send(endpoint, {.method = "GET", .target = "/"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace file_service::infrastructure::s3
