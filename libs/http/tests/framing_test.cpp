// The header checks the server runs before routing (src/server/framing.h): size limits
// and the RFC 9112 framing rules that stop request smuggling; and, on the wire, what the
// server sends around a body (100 Continue) and how much of an unended line it holds.
#include "../src/server/framing.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "log_capture.h"
#include "platform/http/server.h"
#include "platform/testing/http_client.h"

namespace platform::http::detail {
namespace {

using namespace std::chrono_literals;
using platform::testing::RawConnection;

std::optional<Refusal> framing(unsigned version, std::vector<FieldView> fields) {
  return check_framing(version, fields);
}

TEST(Framing, AcceptsOrdinaryRequests) {
  EXPECT_FALSE(framing(11, {{"Host", "x"}}));
  EXPECT_FALSE(framing(11, {{"Host", "x"}, {"Content-Length", "12"}}));
  EXPECT_FALSE(framing(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}}));
  EXPECT_FALSE(framing(11, {{"host", "x"}, {"transfer-encoding", " Chunked "}}));
  // The same length twice is one length (RFC 9110 §8.6).
  EXPECT_FALSE(framing(11, {{"Host", "x"}, {"Content-Length", "5"}, {"Content-Length", "5"}}));
  EXPECT_FALSE(framing(10, {}));  // HTTP/1.0 needs no Host
}

TEST(Framing, RefusesATransferEncodingOtherThanExactlyChunked) {
  for (const auto* coding :
       {"gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked", "identity", "xchunked", ""}) {
    const auto refusal = framing(11, {{"Host", "x"}, {"Transfer-Encoding", coding}});
    ASSERT_TRUE(refusal) << coding;
    EXPECT_EQ(refusal->status, 400) << coding;
  }
  const auto twice = framing(
      11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}});
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 400);
}

TEST(Framing, RefusesTransferEncodingTogetherWithContentLength) {
  const auto refusal =
      framing(11, {{"Host", "x"}, {"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}});
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 400);
  EXPECT_NE(refusal->detail.find("both"), std::string::npos) << refusal->detail;
}

TEST(Framing, RefusesSeveralDifferingContentLengths) {
  const auto refusal =
      framing(11, {{"Host", "x"}, {"Content-Length", "4"}, {"Content-Length", "40"}});
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 400);
}

TEST(Framing, RefusesTransferEncodingOnHttp10) {
  const auto refusal = framing(10, {{"Transfer-Encoding", "chunked"}});
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 400);
  EXPECT_NE(refusal->detail.find("HTTP/1.0"), std::string::npos) << refusal->detail;
}

TEST(Framing, RefusesADuplicateOrAMissingHost) {
  const auto duplicate = framing(11, {{"Host", "a"}, {"Host", "b"}});
  ASSERT_TRUE(duplicate);
  EXPECT_EQ(duplicate->status, 400);
  const auto missing = framing(11, {{"Content-Length", "0"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
}

TEST(Framing, LimitsAnswer414And431) {
  const HeaderLimits limits{.max_url_bytes = 10, .max_header_bytes = 20};
  const std::vector<FieldView> small = {{"Host", "x"}};
  EXPECT_FALSE(check_limits("/short", small, limits));
  EXPECT_EQ(check_limits("/far-too-long-a-target", small, limits)->status, 414);
  const std::vector<FieldView> big = {{"Host", "x"}, {"X-Big", "0123456789012345"}};
  EXPECT_EQ(check_limits("/short", big, limits)->status, 431);
}

TEST(Framing, ExpectsContinueOnlyFromAnHttp11Client) {
  EXPECT_TRUE(expects_continue(11, "100-continue"));
  EXPECT_TRUE(expects_continue(11, " 100-Continue "));
  EXPECT_FALSE(expects_continue(10, "100-continue"));
  EXPECT_FALSE(expects_continue(11, ""));
  EXPECT_FALSE(expects_continue(11, "something-else"));
}

// ---- on the wire ---------------------------------------------------------------------

class FramingOnTheWire : public ::testing::Test {
 protected:
  std::uint16_t start(ServerOptions options = {}) {
    Router router;
    router.post("/echo", [](Request& request) { return Response::text(200, request.body); });
    router.post_streamed("/upload", [](Request& request) {
      std::string body;
      std::array<char, 4096> chunk{};
      for (;;) {
        auto n = request.body_reader->read(chunk);
        if (!n) return Response::body_read_failure(n.error(), request);
        if (*n == 0) break;
        body.append(chunk.data(), *n);
      }
      return Response::text(200, body);
    });
    server_ =
        std::make_unique<Server>(std::move(options), std::move(router), logs_.logger(), registry_);
    return server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  test::LogCapture logs_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
};

// RFC 9110 §10.1.1: an HTTP/1.0 client does not know 1xx answers, so it gets none, even
// when it sends `Expect: 100-continue`; it sends its body anyway.
TEST_F(FramingOnTheWire, NeverSendsContinueToAnHttp10Request) {
  const auto port = start();
  for (const auto* target : {"/echo", "/upload"}) {
    auto connection = RawConnection::connect(port);
    connection.send(std::string("POST ") + target +
                    " HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    connection.send("hello");
    // The first head back is the final answer's (read_response would skip a 1xx).
    const std::string head = connection.read_until("\r\n\r\n", 3s);
    EXPECT_EQ(head.substr(0, head.find("\r\n")), "HTTP/1.0 200 OK") << target;
    EXPECT_EQ(connection.read_until("hello", 3s), "hello") << target;
  }
}

// A chunk-size line or a trailer section that never ends is refused once it passes the
// header limit, not held in memory until the read timeout: a client cannot make the
// server buffer megabytes of one line.
TEST_F(FramingOnTheWire, RefusesAnEndlessChunkLineOrTrailerInsteadOfBufferingIt) {
  ServerOptions options;
  options.read_timeout = 3s;
  const auto port = start(options);
  const std::string filler(64 * 1024, 'a');
  const std::string chunked = " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/echo", "1;ext="},                      // a chunk extension without end
      {"/echo", "1\r\na\r\n0\r\nX-Trailer: "},  // a trailer field without end
      {"/upload", "1;ext="},                    // the same, on a streamed body
  };
  for (const auto& [target, tail] : cases) {
    auto connection = RawConnection::connect(port);
    connection.send("POST " + target + chunked + tail);
    // 8 MB: far beyond any limit. The server may stop reading once it has answered.
    for (int i = 0; i < 128 && connection.send_allow_error(filler); ++i) {
    }
    const auto response = connection.read_response(2s);
    EXPECT_EQ(response.status, 400) << target << " " << tail;
  }
}

}  // namespace
}  // namespace platform::http::detail
