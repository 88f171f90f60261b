// The last good answers (stale_cache.h).
#include "api/stale_cache.h"

#include <gtest/gtest.h>

namespace {

using api_gateway::api::StaleCache;
using namespace std::chrono_literals;

TEST(StaleCache, ServesAKeptAnswerWithItsAgeUntilItIsTooOld) {
  StaleCache cache(1 << 20);
  const auto t0 = StaleCache::Clock::now();
  cache.store("GET /a anonymous", platform::http::Response::json(200, "{\"a\":1}"), t0);
  auto kept = cache.find("GET /a anonymous", t0 + 30s, 60s);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->age.count(), 30);
  EXPECT_EQ(kept->response.body, "{\"a\":1}");
  EXPECT_FALSE(cache.find("GET /a anonymous", t0 + 61s, 60s));
  EXPECT_FALSE(cache.find("GET /a roles=viewer", t0, 60s));
}

TEST(StaleCache, StaysWithinItsBytesDroppingTheOldest) {
  StaleCache cache(8 * 1024);
  const auto now = StaleCache::Clock::now();
  for (int i = 0; i < 50; ++i)
    cache.store("k" + std::to_string(i), platform::http::Response::json(200, std::string(500, 'x')),
                now);
  EXPECT_LE(cache.bytes(), 8u * 1024);
  EXPECT_FALSE(cache.find("k0", now, 60s));
  EXPECT_TRUE(cache.find("k49", now, 60s));
}

TEST(StaleCache, KeepsACopyForASecondThenTakesTheNextOne) {
  StaleCache cache(1 << 20);
  const auto t0 = StaleCache::Clock::now();
  cache.store("GET /a anonymous", platform::http::Response::json(200, "1"), t0);
  cache.store("GET /a anonymous", platform::http::Response::json(200, "2"), t0 + 500ms);
  auto kept = cache.find("GET /a anonymous", t0 + 600ms, 60s);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->response.body, "1");
  cache.store("GET /a anonymous", platform::http::Response::json(200, "3"), t0 + 1500ms);
  kept = cache.find("GET /a anonymous", t0 + 1600ms, 60s);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->response.body, "3");
}

TEST(StaleCache, KeepsAgainAtOnceAnAnswerItHadToDrop) {
  StaleCache cache(8 * 1024);
  const auto now = StaleCache::Clock::now();
  const auto answer = platform::http::Response::json(200, std::string(500, 'x'));
  for (int i = 0; i < 50; ++i) cache.store("k" + std::to_string(i), answer, now);
  ASSERT_FALSE(cache.find("k0", now, 60s));
  // Dropped for room within its first second: the next good answer is kept all the same.
  cache.store("k0", answer, now);
  EXPECT_TRUE(cache.find("k0", now, 60s));
  EXPECT_LE(cache.bytes(), 8u * 1024);
}

TEST(StaleCache, WithoutRoomKeepsNothing) {
  StaleCache cache(0);
  const auto now = StaleCache::Clock::now();
  cache.store("GET /a anonymous", platform::http::Response::json(200, "{}"), now);
  EXPECT_FALSE(cache.find("GET /a anonymous", now, 60s));
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
