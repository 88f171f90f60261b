#include "platform/http/json_body.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace platform::http {
namespace {

Request json_request(std::string body, const std::string& content_type = "application/json") {
  Request request;
  request.method = "POST";
  request.path = "/subjects";
  if (!content_type.empty()) request.headers.set("Content-Type", content_type);
  request.body = std::move(body);
  return request;
}

TEST(JsonBody, ParsesAnObject) {
  auto body = parse_json_object(json_request(R"({"code":"CS101"})"));
  ASSERT_TRUE(body) << body.error().detail();
  EXPECT_EQ(body->at("code").as_string(), "CS101");
}

TEST(JsonBody, RejectsAMissingContentTypeWith415) {
  auto body = parse_json_body(json_request("{}", ""));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), core::ErrorCode::kUnsupportedMediaType);
}

TEST(JsonBody, RejectsAnotherMediaTypeWith415) {
  auto body = parse_json_body(json_request("{}", "text/plain"));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), core::ErrorCode::kUnsupportedMediaType);
  EXPECT_NE(body.error().detail().find("text/plain"), std::string::npos);
}

TEST(JsonBody, IgnoresMediaTypeCaseAndParameters) {
  EXPECT_TRUE(parse_json_body(json_request("{}", "Application/JSON ; charset=utf-8")));
}

TEST(JsonBody, AcceptsListedExtraMediaTypes) {
  const auto request = json_request("{}", "application/merge-patch+json");
  EXPECT_FALSE(parse_json_body(request));
  EXPECT_TRUE(parse_json_body(request, {"application/merge-patch+json"}));
}

TEST(JsonBody, RejectsMalformedJsonWithAnOffset) {
  auto body = parse_json_body(json_request(R"({"a": tru})"));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), core::ErrorCode::kMalformed);
  EXPECT_NE(body.error().detail().find("not valid JSON"), std::string::npos);
  EXPECT_NE(body.error().detail().find("at offset"), std::string::npos) << body.error().detail();
}

TEST(JsonBody, RejectsAnEmptyBody) {
  for (const std::string text : {"", "  \n"}) {
    auto body = parse_json_body(json_request(text));
    ASSERT_FALSE(body);
    EXPECT_EQ(body.error().code(), core::ErrorCode::kMalformed);
  }
}

TEST(JsonBody, RejectsInvalidUtf8) {
  auto body = parse_json_body(json_request("{\"name\":\"\xC3\x28\"}"));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), core::ErrorCode::kMalformed);
  EXPECT_NE(body.error().detail().find("UTF-8"), std::string::npos);
}

// Our own check runs first for a clearer message; this pins down that Boost.JSON would
// refuse the bytes by itself as well.
TEST(JsonBody, BoostJsonRejectsInvalidUtf8ByDefault) {
  boost::system::error_code ec;
  boost::json::parse("{\"name\":\"\xC3\x28\"}", ec);
  EXPECT_TRUE(ec);
}

TEST(JsonBody, RejectsDeepNestingCleanlyWithoutOverflowingTheStack) {
  auto body = parse_json_body(json_request(std::string(100'000, '[')));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), core::ErrorCode::kMalformed);
  EXPECT_NE(body.error().detail().find("nested too deeply"), std::string::npos);
}

TEST(JsonBody, AcceptsNestingUpToTheLimit) {
  const auto nested = [](int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') +
           std::string(static_cast<std::size_t>(depth), ']');
  };
  EXPECT_TRUE(parse_json_body(json_request(nested(kMaxJsonDepth))));
  EXPECT_FALSE(parse_json_body(json_request(nested(kMaxJsonDepth + 1))));
}

TEST(JsonBody, RejectsTrailingGarbage) {
  auto body = parse_json_body(json_request(R"({"a":1} x)"));
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), core::ErrorCode::kMalformed);
  EXPECT_FALSE(parse_json_body(json_request(R"({"a":1}{"b":2})")));
}

TEST(JsonBody, AllowsSurroundingWhitespace) {
  EXPECT_TRUE(parse_json_body(json_request(" {\"a\":1}\r\n ")));
}

TEST(JsonBody, ParseJsonObjectRejectsOtherTopLevelValues) {
  for (const std::string text : {"[1]", "\"text\"", "42", "null"}) {
    auto body = parse_json_object(json_request(text));
    ASSERT_FALSE(body) << text;
    EXPECT_EQ(body.error().code(), core::ErrorCode::kMalformed);
    EXPECT_NE(body.error().detail().find("object"), std::string::npos);
  }
}

TEST(JsonBody, HasMediaTypeComparesTheTypeOnly) {
  const auto request = json_request("{}", "application/json; charset=utf-8");
  EXPECT_TRUE(has_media_type(request, "application/json"));
  EXPECT_FALSE(has_media_type(request, "application/jsonx"));
  EXPECT_FALSE(has_media_type(json_request("{}", ""), "application/json"));
}

}  // namespace
}  // namespace platform::http
