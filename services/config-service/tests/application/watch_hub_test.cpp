#include "application/watch_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace config_service::application {
namespace {

using namespace std::chrono_literals;

TEST(WatchHub, NotifyAnswersWaitersBelowTheVersionOnly) {
  WatchHub hub;
  std::promise<void> woken;
  std::atomic<int> other = 0;
  hub.watch("t", 3, 10s, [&] { woken.set_value(); });
  hub.watch("u", 3, 10s, [&] { ++other; });
  hub.notify("t", 3);  // not newer than 3
  EXPECT_EQ(hub.waiting(), 2u);
  hub.notify("t", 4);
  EXPECT_EQ(woken.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(hub.waiting(), 1u);
}

TEST(WatchHub, AWaiterIsAnsweredWhenItsWaitEnds) {
  WatchHub hub;
  std::promise<std::chrono::steady_clock::time_point> answered;
  const auto start = std::chrono::steady_clock::now();
  hub.watch("t", 0, 200ms, [&] { answered.set_value(std::chrono::steady_clock::now()); });
  hub.watch("t", 0, 10s, [] {});
  auto future = answered.get_future();
  ASSERT_EQ(future.wait_for(3s), std::future_status::ready);
  EXPECT_GE(future.get() - start, 200ms);
  EXPECT_EQ(hub.waiting(), 1u);
}

TEST(WatchHub, AWatchAfterAKnownNewerVersionIsAnsweredAtOnce) {
  WatchHub hub;
  hub.notify("t", 7);
  bool answered = false;
  hub.watch("t", 6, 10s, [&] { answered = true; });
  EXPECT_TRUE(answered);
}

TEST(WatchHub, ShutdownAnswersEveryWaiterAndLaterWatchesAtOnce) {
  WatchHub hub;
  int answered = 0;
  for (int i = 0; i < 100; ++i) hub.watch("t" + std::to_string(i % 3), 0, 60s, [&] { ++answered; });
  hub.shutdown();
  EXPECT_EQ(answered, 100);
  hub.watch("t", 0, 60s, [&] { ++answered; });
  EXPECT_EQ(answered, 101);
  EXPECT_EQ(hub.waiting(), 0u);
}

}  // namespace
}  // namespace config_service::application
