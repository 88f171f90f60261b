#include "api/watch_params.h"

#include <gtest/gtest.h>

namespace config_service::api {
namespace {

using namespace std::chrono_literals;

TEST(ParseWait, AcceptsSecondsAndMillisecondsUpToSixtySeconds) {
  EXPECT_EQ(parse_wait("30s"), 30s);
  EXPECT_EQ(parse_wait("500ms"), 500ms);
  EXPECT_EQ(parse_wait("60s"), 60s);
  EXPECT_EQ(parse_wait("60000ms"), 60s);
}

TEST(ParseWait, RefusesAnythingElse) {
  for (const char* text : {"61s", "60001ms", "", "s", "10", "1m", "-1s", "1.5s", "10 s", "ms"})
    EXPECT_FALSE(parse_wait(text)) << text;
}

TEST(WatchParams, BadAfterIsMalformed) {
  platform::http::Request request;
  request.query = "wait=1s&after=x";
  auto params = watch_params(request);
  ASSERT_FALSE(params);
  EXPECT_EQ(params.error().code(), platform::core::ErrorCode::kMalformed);
}

}  // namespace
}  // namespace config_service::api
