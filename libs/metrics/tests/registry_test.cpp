#include "platform/metrics/registry.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace platform::metrics {
namespace {

TEST(Registry, RendersCountersWithHelpTypeAndLabels) {
  Registry registry;
  registry
      .counter("http_requests_total", "Requests served.",
               {{"method", "GET"}, {"route", "/subjects/{id}"}, {"status", "200"}})
      .inc(3);
  const std::string text = registry.render();
  EXPECT_NE(text.find("# HELP http_requests_total Requests served.\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(
      text.find("http_requests_total{method=\"GET\",route=\"/subjects/{id}\",status=\"200\"} 3\n"),
      std::string::npos);
}

TEST(Registry, ReturnsTheSameSeriesForTheSameNameAndLabels) {
  Registry registry;
  Counter& a = registry.counter("events_total", "Events.", {{"type", "x"}});
  Counter& b = registry.counter("events_total", "Events.", {{"type", "x"}});
  Counter& c = registry.counter("events_total", "Events.", {{"type", "y"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
}

TEST(Registry, RendersCumulativeHistogramBucketsSumAndCount) {
  Registry registry;
  Histogram& histogram = registry.histogram("d_seconds", "Durations.", {{"route", "/x"}}, {0.1, 1});
  histogram.observe(0.05);
  histogram.observe(0.5);
  histogram.observe(5);
  const std::string text = registry.render();
  EXPECT_NE(text.find("d_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("d_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("d_seconds_sum{route=\"/x\"} 5.55\n"), std::string::npos);
  EXPECT_NE(text.find("d_seconds_count{route=\"/x\"} 3\n"), std::string::npos);
}

TEST(Registry, EscapesLabelValues) {
  Registry registry;
  registry.gauge("g", "A gauge.", {{"path", "a\"b\\c\nd"}}).set(1);
  EXPECT_NE(registry.render().find("g{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(Registry, ReadsCallbackGaugesWhenRendering) {
  Registry registry;
  double backlog = 4;
  registry.callback_gauge("outbox_backlog", "Rows waiting.", {}, [&] { return backlog; });
  EXPECT_NE(registry.render().find("outbox_backlog 4\n"), std::string::npos);
  backlog = 7;
  EXPECT_NE(registry.render().find("outbox_backlog 7\n"), std::string::npos);
}

TEST(Registry, RendersCallbackCountersAsCounters) {
  Registry registry;
  double dropped = 0;
  registry.callback_counter("log_lines_dropped_total", "Lines dropped.", {},
                            [&dropped] { return dropped; });
  dropped = 7;
  const std::string text = registry.render();
  EXPECT_NE(text.find("# TYPE log_lines_dropped_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("log_lines_dropped_total 7\n"), std::string::npos) << text;
}

TEST(Counter, CountsEveryIncrementFromManyThreads) {
  Registry registry;
  Counter& counter = registry.counter("c_total", "C.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.inc();
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40000);
}

TEST(Counter, IgnoresNegativeIncrements) {
  Counter counter;
  counter.inc(-1);
  EXPECT_EQ(counter.value(), 0);
}

TEST(SeriesKey, JoinsTheValuesSoThatNoTwoLabelSetsShareAKey) {
  const SeriesKey key{"GET", "/api/v1/subjects", "200"};
  const std::string separator(1, '\0');
  EXPECT_EQ(key.view(), "GET" + separator + "/api/v1/subjects" + separator + "200");
  EXPECT_EQ(key.text(), std::string(key.view()));
  // The separator keeps ("a", "bc") and ("ab", "c") apart, and an empty value counts.
  EXPECT_NE(SeriesKey({"a", "bc"}).view(), SeriesKey({"ab", "c"}).view());
  EXPECT_NE(SeriesKey({"a", ""}).view(), SeriesKey({"a"}).view());
  EXPECT_EQ(SeriesKey({}).view(), "");
}

TEST(SeriesKey, AKeyLongerThanItsInlineRoomIsKeptWhole) {
  const std::string long_value(500, 'r');
  const SeriesKey key{"peer", long_value, "503"};
  EXPECT_EQ(key.view(), "peer" + std::string(1, '\0') + long_value + std::string(1, '\0') + "503");
}

TEST(SeriesKey, KeysOnEitherSideOfTheInlineRoomAreKeptWhole) {
  // Two values and a separator: 192 bytes fill the inline room exactly, 193 go beyond it.
  for (const std::size_t total : {std::size_t{191}, std::size_t{192}, std::size_t{193}}) {
    const std::string first(100, 'a');
    const std::string second(total - 101, 'b');
    const SeriesKey key{first, second};
    EXPECT_EQ(key.view().size(), total);
    EXPECT_EQ(key.view(), first + std::string(1, '\0') + second);
  }
}

TEST(IntegerText, WritesAnyIntegerInDecimal) {
  EXPECT_EQ(IntegerText(200).view(), "200");
  EXPECT_EQ(IntegerText(0).view(), "0");
  EXPECT_EQ(IntegerText(-1).view(), "-1");
  EXPECT_EQ(IntegerText(std::numeric_limits<std::int64_t>::min()).view(), "-9223372036854775808");
  EXPECT_EQ(IntegerText(std::numeric_limits<std::int64_t>::max()).view(), "9223372036854775807");
}

TEST(SeriesCache, FindsAKeptSeriesByAKeyBuiltOnTheStack) {
  SeriesCache<int> cache;
  {
    const SeriesKey key{"POST", "/api/v1/files"};
    cache.emplace(key.text(), 7);
  }
  const SeriesKey again{"POST", "/api/v1/files"};
  const auto found = cache.find(again.view());
  ASSERT_NE(found, cache.end());
  EXPECT_EQ(found->second, 7);
  EXPECT_EQ(cache.find(SeriesKey({"GET", "/api/v1/files"}).view()), cache.end());
}

TEST(RecentSeries, FindsWhatItsOwnerKeptForTheSameLabelsOnly) {
  Registry registry;
  Counter& ok = registry.counter("requests_total", "Requests.", {{"status", "200"}});
  const std::uint64_t owner = next_series_owner();
  const std::uint64_t other_owner = next_series_owner();
  EXPECT_NE(owner, other_owner);
  RecentSeries<Counter*, 2> recent;
  EXPECT_EQ(recent.find(owner, {"GET", "200"}), nullptr);
  recent.keep(owner, {"GET", "200"}, &ok);
  ASSERT_NE(recent.find(owner, {"GET", "200"}), nullptr);
  EXPECT_EQ(*recent.find(owner, {"GET", "200"}), &ok);
  EXPECT_EQ(recent.find(other_owner, {"GET", "200"}), nullptr);
  EXPECT_EQ(recent.find(owner, {"GET", "404"}), nullptr);
  EXPECT_EQ(recent.find(owner, {"GET", "20"}), nullptr);
  EXPECT_EQ(recent.find(owner, {"GET2", "00"}), nullptr);
}

TEST(RecentSeries, KeepsItsLastFewAndForgetsTheOldest) {
  RecentSeries<int, 1, 2> recent;
  const std::uint64_t owner = next_series_owner();
  recent.keep(owner, {"a"}, 1);
  recent.keep(owner, {"b"}, 2);
  ASSERT_NE(recent.find(owner, {"a"}), nullptr);
  EXPECT_EQ(*recent.find(owner, {"a"}), 1);
  EXPECT_EQ(*recent.find(owner, {"b"}), 2);
  recent.keep(owner, {"c"}, 3);
  EXPECT_EQ(recent.find(owner, {"a"}), nullptr);
  EXPECT_EQ(*recent.find(owner, {"b"}), 2);
  EXPECT_EQ(*recent.find(owner, {"c"}), 3);
}

}  // namespace
}  // namespace platform::metrics
