#include "infrastructure/ttl_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "platform/testing/arrivals.h"

namespace syllabus_service::infrastructure {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A clock the test moves by hand.
struct HandClock {
  std::shared_ptr<Clock::time_point> now = std::make_shared<Clock::time_point>(Clock::now());
  std::function<Clock::time_point()> function() const {
    return [now = now] { return *now; };
  }
  void advance(std::chrono::milliseconds by) const { *now += by; }
};

TEST(TtlCache, ServesAValueUntilItExpiresOrIsErased) {
  HandClock clock;
  TtlCache<int, std::string> cache(200ms, 10, clock.function());
  cache.put(1, "one", cache.generation());
  EXPECT_EQ(cache.get(1), "one");
  cache.erase(1);
  EXPECT_FALSE(cache.get(1));
  cache.put(2, "two", cache.generation());
  clock.advance(199ms);
  EXPECT_EQ(cache.get(2), "two");
  clock.advance(2ms);
  EXPECT_FALSE(cache.get(2));
}

TEST(TtlCache, RefusesAValueLoadedBeforeAWrite) {
  TtlCache<int, std::string> cache(1s, 10);
  const auto before_load = cache.generation();
  cache.erase(1);  // a write lands while the old value is being loaded
  cache.put(1, "old", before_load);
  EXPECT_FALSE(cache.get(1));
}

TEST(TtlCache, AsksOnceForARefreshPastThreeQuartersOfItsLife) {
  HandClock clock;
  TtlCache<int, std::string> cache(200ms, 10, clock.function());
  cache.put(1, "one", cache.generation());
  auto young = cache.lookup(1);
  ASSERT_TRUE(young);
  EXPECT_FALSE(young->refresh);
  clock.advance(160ms);
  auto old = cache.lookup(1);
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->refresh);
  auto again = cache.lookup(1);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->refresh);        // once per load
  cache.renew(1, cache.generation());  // still right: another full life
  clock.advance(100ms);
  EXPECT_EQ(cache.get(1), "one");
}

TEST(TtlCache, StaysBoundedAndCanBeTurnedOff) {
  TtlCache<int, int> bounded(1s, 3);
  for (int i = 0; i < 10; ++i) bounded.put(i, i, bounded.generation());
  int held = 0;
  for (int i = 0; i < 10; ++i) held += bounded.get(i) ? 1 : 0;
  EXPECT_LE(held, 3);
  TtlCache<int, int> off(0ms, 3);
  off.put(1, 1, off.generation());
  EXPECT_FALSE(off.get(1));
}

TEST(Refresher, ReloadsRequestedKeysOnceEachOnItsOwnThread) {
  platform::testing::Arrivals reloaded;
  std::atomic<int> count{0};
  Refresher<int> refresher("test-refresh", [&](const int&) {
    ++count;
    reloaded.arrive();
  });
  refresher.start();
  refresher.request(7);
  ASSERT_TRUE(reloaded.wait_for(1, 2s));
  refresher.request(8);
  refresher.request(9);
  ASSERT_TRUE(reloaded.wait_for(3, 2s));
  refresher.stop();
  EXPECT_EQ(count, 3);
}

}  // namespace
}  // namespace syllabus_service::infrastructure
