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

TEST(NdjsonBody, ParsesOneObjectPerLineSkippingBlankLines) {
  auto lines = parse_ndjson_objects(
      json_request("{\"legacy_id\":\"1\"}\n\n{\"legacy_id\":\"2\"}\r\n", "application/x-ndjson"),
      10);
  ASSERT_TRUE(lines) << lines.error().detail();
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[1].at("legacy_id").as_string(), "2");
}

TEST(NdjsonBody, NamesTheLineThatIsNotAnObject) {
  auto bad_json = parse_ndjson_objects(json_request("{}\n{\"a\":\n{}", "application/x-ndjson"), 10);
  ASSERT_FALSE(bad_json);
  EXPECT_EQ(bad_json.error().code(), core::ErrorCode::kMalformed);
  EXPECT_NE(bad_json.error().detail().find("line 2"), std::string::npos)
      << bad_json.error().detail();

  auto not_object = parse_ndjson_objects(json_request("{}\n{}\n[1]", "application/x-ndjson"), 10);
  ASSERT_FALSE(not_object);
  EXPECT_NE(not_object.error().detail().find("line 3 must be a JSON object"), std::string::npos);
}

TEST(NdjsonBody, RefusesAnotherMediaTypeAnEmptyBodyAndTooManyLines) {
  auto json = parse_ndjson_objects(json_request("{}"), 10);
  ASSERT_FALSE(json);
  EXPECT_EQ(json.error().code(), core::ErrorCode::kUnsupportedMediaType);

  auto empty = parse_ndjson_objects(json_request("\n\n", "application/x-ndjson"), 10);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), core::ErrorCode::kMalformed);

  auto many = parse_ndjson_objects(json_request("{}\n{}\n{}", "application/x-ndjson"), 2);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code(), core::ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace platform::http
