#include "platform/core/problem.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace platform::core {
namespace {

TEST(HttpStatus, MapsEveryCodeToItsStatus) {
  EXPECT_EQ(http_status(ErrorCode::kMalformed), 400);
  EXPECT_EQ(http_status(ErrorCode::kInvalidArgument), 422);
  EXPECT_EQ(http_status(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(http_status(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status(ErrorCode::kNotFound), 404);
  EXPECT_EQ(http_status(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status(ErrorCode::kFailedPrecondition), 409);
  EXPECT_EQ(http_status(ErrorCode::kVersionMismatch), 412);
  EXPECT_EQ(http_status(ErrorCode::kTooLarge), 413);
  EXPECT_EQ(http_status(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(http_status(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(http_status(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::kDeadlineExceeded), 504);
  EXPECT_EQ(http_status(ErrorCode::kInternal), 500);
}

TEST(ProblemJson, HasTheRfc9457MembersAndEveryFieldError) {
  Error error = Error::invalid_fields(
      {{"code", "must be 2 to 20 characters"}, {"credits", "must be from 0 to 60"}});
  const auto problem = boost::json::parse(problem_json(error, "/subjects")).as_object();
  EXPECT_EQ(problem.at("type").as_string(),
            "https://syllabus-platform.dev/problems/invalid_argument");
  EXPECT_EQ(problem.at("title").as_string(), "Unprocessable Content");
  EXPECT_EQ(problem.at("status").as_int64(), 422);
  EXPECT_EQ(problem.at("detail").as_string(), "2 fields are invalid");
  EXPECT_EQ(problem.at("instance").as_string(), "/subjects");
  const auto& errors = problem.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[1].as_object().at("field").as_string(), "credits");
  EXPECT_EQ(errors[1].as_object().at("message").as_string(), "must be from 0 to 60");
}

TEST(ProblemJson, NeverShowsTheLogDetailOfAnInternalError) {
  const std::string body = problem_json(Error::internal("SELECT * FROM secret"), "/x");
  EXPECT_EQ(body.find("SELECT"), std::string::npos);
  EXPECT_NE(body.find("\"status\":500"), std::string::npos);
}

TEST(ProblemJson, DescribesTransportStatuses) {
  const auto problem =
      boost::json::parse(problem_json(405, "GET, POST are allowed", "/subjects")).as_object();
  EXPECT_EQ(problem.at("status").as_int64(), 405);
  EXPECT_EQ(problem.at("title").as_string(), "Method Not Allowed");
  EXPECT_FALSE(problem.contains("errors"));
}

}  // namespace
}  // namespace platform::core
