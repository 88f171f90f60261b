#include "api/platform_token.h"

#include <gtest/gtest.h>

namespace config_service::api {
namespace {

using platform::http::Request;
using platform::http::Response;

constexpr const char* kToken = "the-platform-token-0123456789abcdef";

Request with_authorization(const std::string& value) {
  Request request;
  request.method = "PUT";
  request.path = "/config/svc";
  if (!value.empty()) request.headers.set("Authorization", value);
  return request;
}

TEST(PlatformToken, AdmitsTheBearerOfExactlyThatToken) {
  const PlatformToken token(kToken);
  EXPECT_TRUE(token.admits(with_authorization(std::string("Bearer ") + kToken)));
  EXPECT_TRUE(token.admits(with_authorization(std::string("bearer  ") + kToken + " ")));
  for (const std::string& value :
       {std::string(), std::string(kToken), std::string("Basic ") + kToken,
        std::string("Bearer ") + kToken + "x", std::string("Bearer ") + (kToken + 1),
        std::string("Bearer the-platform-token-0123456789abcdeF"), std::string("Bearer "),
        std::string("Bearer")}) {
    EXPECT_FALSE(token.admits(with_authorization(value))) << value;
  }
}

TEST(PlatformToken, GuardsAHandlerWithA401AndItsChallenge) {
  const PlatformToken token(kToken);
  int calls = 0;
  const auto guarded = token.guard([&calls](Request&) {
    ++calls;
    return Response::no_content();
  });
  Request without = with_authorization("");
  const Response refused = guarded(without);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers.get("WWW-Authenticate"), "Bearer realm=\"syllabus-platform\"");
  Request wrong = with_authorization("Bearer nope");
  EXPECT_EQ(guarded(wrong).headers.get("WWW-Authenticate"),
            "Bearer realm=\"syllabus-platform\", error=\"invalid_token\"");
  EXPECT_EQ(calls, 0);
  Request right = with_authorization(std::string("Bearer ") + kToken);
  EXPECT_EQ(guarded(right).status, 204);
  EXPECT_EQ(calls, 1);
}

TEST(PlatformToken, AddsTheChallengeToUnauthenticatedProblemsOnly) {
  const PlatformToken token(kToken);
  const Request request = with_authorization("");
  EXPECT_FALSE(token.problem(platform::core::Error::not_found("x"), request)
                   .headers.contains("WWW-Authenticate"));
  EXPECT_TRUE(token.problem({platform::core::ErrorCode::kUnauthenticated, "x"}, request)
                  .headers.contains("WWW-Authenticate"));
}

}  // namespace
}  // namespace config_service::api
