#include "http_get.h"

#include <gtest/gtest.h>

namespace sylctl {
namespace {

TEST(ParseHttpResponse, ReadsStatusAndContentLengthBody) {
  HttpResult result;
  ASSERT_TRUE(parse_http_response(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusyEXTRA", result));
  EXPECT_EQ(result.status, 503);
  EXPECT_EQ(result.body, "busy");
}

TEST(ParseHttpResponse, DecodesAChunkedBody) {
  HttpResult result;
  ASSERT_TRUE(
      parse_http_response("HTTP/1.1 200 OK\r\ntransfer-encoding: "
                          "chunked\r\n\r\n3\r\n{\"a\r\n3;x=y\r\n\":1\r\n1\r\n}\r\n0\r\n\r\n",
                          result));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "{\"a\":1}");
}

TEST(ParseHttpResponse, RejectsATruncatedAnswer) {
  HttpResult result;
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", result));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\n", result));
  EXPECT_FALSE(parse_http_response("garbage\r\n\r\n", result));
}

TEST(HttpGet, ReportsAConnectionRefused) {
  // Port 1 on loopback: nothing listens there in a test environment.
  const HttpResult result = http_get("127.0.0.1", 1, "/health/ready");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
}

}  // namespace
}  // namespace sylctl
