// The header checks the server runs before routing (src/server/framing.h): size limits
// and the RFC 9112 framing rules that stop request smuggling.
#include "../src/server/framing.h"

#include <gtest/gtest.h>

#include <vector>

namespace platform::http::detail {
namespace {

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

}  // namespace
}  // namespace platform::http::detail
