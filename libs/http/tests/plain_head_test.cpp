// Plain message heads read without Beast (src/plain_head.h), the client's answers and the
// server's requests: what is accepted, what is read from it, and everything left to
// Beast's parser.
#include "../src/plain_head.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace platform::http::detail {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields fields_of(std::string_view head) {
  Fields fields;
  for_each_field(head, [&fields](std::string_view name, std::string_view value) {
    fields.emplace_back(name, value);
  });
  return fields;
}

TEST(PlainResponseHead, ReadsTheHeadOfAPlatformAnswer) {
  const std::string head =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: application/json\r\n"
      "ETag: \"1\"\r\n"
      "X-Request-ID: \t abc \t\r\n"
      "Content-Length: 224\r\n"
      "\r\n";
  const auto parsed = parse_plain_response_head(head);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->status, 200);
  EXPECT_EQ(parsed->content_length, 224u);
  EXPECT_TRUE(parsed->keep_alive);
  EXPECT_EQ(parsed->field_count, 4u);
  const Fields expected = {{"Content-Type", "application/json"},
                           {"ETag", "\"1\""},
                           {"X-Request-ID", "abc"},
                           {"Content-Length", "224"}};
  EXPECT_EQ(fields_of(head), expected);
  std::size_t bytes = 0;
  for (const auto& [name, value] : expected) bytes += name.size() + value.size();
  EXPECT_EQ(parsed->field_bytes, bytes);
}

TEST(PlainResponseHead, ReadsAnEmptyReasonAndAnEmptyValue) {
  const std::string head = "HTTP/1.1 404 \r\nX-Empty:\r\nContent-Length: 0\r\n\r\n";
  const auto parsed = parse_plain_response_head(head);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->status, 404);
  EXPECT_EQ(parsed->content_length, 0u);
  const Fields expected = {{"X-Empty", ""}, {"Content-Length", "0"}};
  EXPECT_EQ(fields_of(head), expected);
}

TEST(PlainResponseHead, KeepsAliveAsBeastDoes) {
  const auto keep_alive = [](const std::string& version, const std::string& connection) {
    std::string head = version + " 200 OK\r\nContent-Length: 0\r\n";
    if (!connection.empty()) head += "Connection: " + connection + "\r\n";
    head += "\r\n";
    const auto parsed = parse_plain_response_head(head);
    EXPECT_TRUE(parsed.has_value()) << head;
    return parsed && parsed->keep_alive;
  };
  EXPECT_TRUE(keep_alive("HTTP/1.1", ""));
  EXPECT_TRUE(keep_alive("HTTP/1.1", "keep-alive"));
  EXPECT_FALSE(keep_alive("HTTP/1.1", "close"));
  EXPECT_FALSE(keep_alive("HTTP/1.1", "Upgrade, CLOSE"));
  EXPECT_FALSE(keep_alive("HTTP/1.0", ""));
  EXPECT_TRUE(keep_alive("HTTP/1.0", "Keep-Alive"));
  EXPECT_TRUE(keep_alive("HTTP/1.0", "foo , keep-alive"));
  EXPECT_FALSE(keep_alive("HTTP/1.0", "close"));
}

TEST(PlainResponseHead, LeavesEverythingElseToBeast) {
  const std::vector<std::string> heads = {
      // Not a whole head, or more than one.
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
      // Framing it does not read: none, chunked, two lengths, odd lengths.
      "HTTP/1.1 200 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3 4\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
      // Statuses: interim, bodiless whatever they declare, out of range, malformed.
      "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
      "HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200\tOK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
      // Versions other than 1.0 and 1.1.
      "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
      "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      // Fields: obs-fold, a blank before the colon, no colon, bad names, bad values.
      "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A 1\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: 1\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX(A): 1\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\n2\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\r2\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\x7f\r\nContent-Length: 0\r\n\r\n",
      std::string("HTTP/1.1 200 OK\r\nX-A: 1") + '\0' + " 2\r\nContent-Length: 0\r\n\r\n",
      // Connection: not a list of tokens (Beast refuses it), or twice (Beast heeds the
      // first only); Proxy-Connection, which Beast checks too.
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep alive\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close;x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: \"close\"\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nProxy-Connection: close\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\nConnection: close\r\n\r\n",
  };
  for (const auto& head : heads) {
    EXPECT_FALSE(parse_plain_response_head(head).has_value()) << head;
  }
}

TEST(PlainResponseHead, AcceptsObsTextInValues) {
  const std::string head = "HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 1\r\n\r\n";
  const auto parsed = parse_plain_response_head(head);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(fields_of(head).front().second, "caf\xc3\xa9");
}

// Values are checked eight bytes at a time: every byte, at every place in and around a
// word, is accepted exactly when RFC 9110 lets a value hold it (VCHAR, obs-text, SP, HTAB).
TEST(PlainResponseHead, ChecksEveryByteOfAValueWhereverItIs) {
  for (int byte = 0; byte < 256; ++byte) {
    const bool allowed = (byte >= 0x21 && byte != 0x7f) || byte == ' ' || byte == '\t';
    // 24 bytes are three words; up to 31 leave a tail of one to seven bytes after them.
    for (std::size_t length = 24; length <= 31; ++length) {
      for (std::size_t at = 1; at < length; ++at) {
        std::string value(length, 'v');
        value[at] = static_cast<char>(byte);
        const std::string head =
            "HTTP/1.1 200 OK\r\nX-Value: " + value + "\r\nContent-Length: 0\r\n\r\n";
        EXPECT_EQ(parse_plain_response_head(head).has_value(), allowed)
            << "byte " << byte << " at " << at << " of " << length;
      }
    }
  }
}

TEST(PlainRequestHead, ReadsARequestWithoutABody) {
  const std::string head =
      "GET /api/v1/subjects/7?fields=a,b HTTP/1.1\r\n"
      "Host: localhost:8080\r\n"
      "Authorization: Bearer x.y.z\r\n"
      "Accept: */*\r\n"
      "\r\n";
  const auto parsed = parse_plain_request_head(head);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->method, "GET");
  EXPECT_EQ(parsed->target, "/api/v1/subjects/7?fields=a,b");
  EXPECT_EQ(parsed->version, 11u);
  EXPECT_TRUE(parsed->keep_alive);
  EXPECT_EQ(parsed->field_count, 3u);
  const Fields expected = {
      {"Host", "localhost:8080"}, {"Authorization", "Bearer x.y.z"}, {"Accept", "*/*"}};
  EXPECT_EQ(fields_of(head), expected);

  const auto closing = parse_plain_request_head("DELETE /x HTTP/1.1\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(closing.has_value());
  EXPECT_EQ(closing->method, "DELETE");
  EXPECT_FALSE(closing->keep_alive);
  const auto old = parse_plain_request_head("GET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->version, 10u);
  EXPECT_FALSE(old->keep_alive);
}

TEST(PlainRequestHead, LeavesBodiesAndEverythingOddToBeast) {
  const std::vector<std::string> heads = {
      // A body, declared either way, even an empty one.
      "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
      // Request lines it does not read.
      "GET  /x HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /x  HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /x HTTP/1.1 \r\nHost: a\r\n\r\n",
      "GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n",
      "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /x\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
      "G(T /x HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET /x HTTP/2.0\r\nHost: a\r\n\r\n",
      "GET /x HTTP/1.1\nHost: a\r\n\r\n",
      "GET /x\r\n\r\n",
      // Fields it does not read.
      "GET /x HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost : a\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a\rb\r\n\r\n",
      "GET /x HTTP/1.1\r\nConnection: close\r\nConnection: close\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close x\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a\r\nProxy-Connection: keep-alive\r\n\r\n",
      // Not one whole head.
      "GET /x HTTP/1.1\r\nHost: a\r\n",
      "GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\n\r\n",
  };
  for (const auto& head : heads) {
    EXPECT_FALSE(parse_plain_request_head(head).has_value()) << head;
  }
}

// A head that cannot become plain is left to Beast as soon as it shows, not once the head
// limit or the read timeout is reached.
TEST(PlainHead, TellsEarlyWhenAHeadCannotBecomePlain) {
  const std::vector<std::string_view> answers_that_may = {"",
                                                          "H",
                                                          "HTTP/1.",
                                                          "HTTP/1.1 2",
                                                          "HTTP/1.1 200",
                                                          "HTTP/1.1 200 OK\r",
                                                          "HTTP/1.1 200 OK\r\nX-A: b\r",
                                                          "HTTP/1.1 200 OK\r\nX-A",
                                                          "HTTP/1.1 200 OK\r\n"};
  for (const auto start : answers_that_may) {
    EXPECT_TRUE(may_become_plain_response_head(start)) << start;
  }
  const std::vector<std::string_view> answers_that_may_not = {"X",
                                                              "HTTP/2",
                                                              "HTTP/1.2",
                                                              "\x16\x03\x01",
                                                              "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n",
                                                              "HTTP/1.1 2x0",
                                                              "HTTP/1.1 200\r\n",
                                                              "HTTP/1.1 200 OK\n",
                                                              "HTTP/1.1 200 OK\rX",
                                                              "HTTP/1.1 200 OK\r\nX-A: \x01",
                                                              "HTTP/1.1 200 OK\r\nX A: b",
                                                              "HTTP/1.1 200 OK\r\nHost x\r\n",
                                                              "HTTP/1.1 200 OK\r\n b\r\n"};
  for (const auto start : answers_that_may_not) {
    EXPECT_FALSE(may_become_plain_response_head(start)) << start;
  }
  const std::vector<std::string_view> requests_that_may = {"",
                                                           "GE",
                                                           "GET",
                                                           "GET ",
                                                           "GET /",
                                                           "GET /x HTTP/1.",
                                                           "GET /x HTTP/1.1\r",
                                                           "GET /x HTTP/1.1\r\nHo",
                                                           "GET /x HTTP/1.1\r\nHost: a\r\n"};
  for (const auto start : requests_that_may) {
    EXPECT_TRUE(may_become_plain_request_head(start)) << start;
  }
  const std::vector<std::string_view> requests_that_may_not = {"\x16\x03\x01\x02",
                                                               "G(T /",
                                                               " / HTTP/1.1\r\n",
                                                               "GET x",
                                                               "GET /\r\n",
                                                               "GET / HTTP/2.0\r\n",
                                                               "GET / HTTP/1.1\nHost: a\n",
                                                               "GET /\x7f",
                                                               "GET / HTTP/1.1\r\nHost x\r\n",
                                                               "GET / HTTP/1.1\r\nHost : x\r\n",
                                                               "GET / HTTP/1.1\r\nHost: a\rb"};
  for (const auto start : requests_that_may_not) {
    EXPECT_FALSE(may_become_plain_request_head(start)) << start;
  }
}

}  // namespace
}  // namespace platform::http::detail
