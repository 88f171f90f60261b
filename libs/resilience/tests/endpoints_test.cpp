#include "platform/resilience/endpoints.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "platform/testing/manual_clock.h"

namespace platform::resilience {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kFour{"http://a", "http://b", "http://c", "http://d"};

class EndpointsTest : public ::testing::Test {
 protected:
  Endpoints make(std::vector<std::string> urls, OutlierOptions options = {}) {
    return Endpoints(
        static_urls(std::move(urls)), options,
        [this](const std::string& url, std::chrono::milliseconds penalty) {
          ejected_[url] = penalty;
        },
        clock_.function());
  }
  static void fail(Endpoints& endpoints, const std::string& url, int times) {
    for (int i = 0; i < times; ++i) endpoints.record(url, true);
  }
  std::map<std::string, int> picks(Endpoints& endpoints, int n) {
    std::map<std::string, int> counts;
    for (int i = 0; i < n; ++i) ++counts[*endpoints.pick()];
    return counts;
  }

  platform::testing::ManualClock clock_;
  std::map<std::string, std::chrono::milliseconds> ejected_;
};

TEST_F(EndpointsTest, PicksRoundRobin) {
  auto endpoints = make(kFour);
  EXPECT_EQ(picks(endpoints, 8),
            (std::map<std::string, int>{
                {"http://a", 2}, {"http://b", 2}, {"http://c", 2}, {"http://d", 2}}));
}

TEST_F(EndpointsTest, PicksAmongThePreferredOnesWhileOneOfThemCanTakeTheCall) {
  Endpoints endpoints = make(kFour, {.consecutive_failures = 1, .max_ejected_fraction = 0.5});
  std::vector<std::string> preferred{"http://c", "http://d"};
  endpoints.set_preferred([&preferred] { return preferred; });
  EXPECT_EQ(picks(endpoints, 4), (std::map<std::string, int>{{"http://c", 2}, {"http://d", 2}}));
  // The instance that just failed is avoided within the preferred ones, then among all.
  EXPECT_EQ(*endpoints.pick("http://c"), "http://d");
  preferred = {"http://c"};
  EXPECT_NE(*endpoints.pick("http://c"), "http://c");
  // An ejected preferred instance: the call goes to the others.
  endpoints.record("http://c", true);
  EXPECT_EQ(picks(endpoints, 3).count("http://c"), 0u);
  // Unknown or no preference: any known instance.
  preferred = {"http://elsewhere"};
  EXPECT_EQ(picks(endpoints, 3).size(), 3u);
  preferred = {};
  EXPECT_EQ(picks(endpoints, 3).size(), 3u);
}

TEST_F(EndpointsTest, KnowsNoneWhenTheSourceIsEmpty) {
  auto endpoints = make({});
  EXPECT_FALSE(endpoints.pick());
}

TEST_F(EndpointsTest, SkipsTheInstanceToAvoidWhenAnotherIsThere) {
  auto endpoints = make({"http://a", "http://b"});
  for (int i = 0; i < 6; ++i) EXPECT_EQ(*endpoints.pick("http://a"), "http://b");
  auto single = make({"http://a"});
  EXPECT_EQ(*single.pick("http://a"), "http://a");
}

TEST_F(EndpointsTest, EjectsAnInstanceAfterConsecutiveFailuresForAWhile) {
  auto endpoints = make(kFour, {.consecutive_failures = 5, .base_ejection = 10s});
  fail(endpoints, "http://b", 4);
  endpoints.record("http://b", false);  // a success resets the count
  fail(endpoints, "http://b", 4);
  EXPECT_TRUE(ejected_.empty());
  fail(endpoints, "http://b", 1);
  ASSERT_EQ(ejected_.count("http://b"), 1u);
  EXPECT_EQ(ejected_["http://b"], 10s);
  EXPECT_EQ(endpoints.ejected_count(), 1u);
  EXPECT_EQ(picks(endpoints, 30).count("http://b"), 0u);
  clock_.advance(10s);
  EXPECT_EQ(picks(endpoints, 8)["http://b"], 2);
}

TEST_F(EndpointsTest, EjectsAtMostHalfOfTheInstances) {
  auto endpoints = make(kFour, {.consecutive_failures = 1});
  for (const auto& url : kFour) fail(endpoints, url, 1);
  EXPECT_EQ(ejected_.size(), 2u);
  EXPECT_EQ(endpoints.ejected_count(), 2u);
  auto single = make({"http://only"}, {.consecutive_failures = 1});
  fail(single, "http://only", 10);
  EXPECT_EQ(single.ejected_count(), 0u);  // never the only one
}

TEST_F(EndpointsTest, AnInstanceThatFailsAgainIsEjectedLonger) {
  auto endpoints =
      make(kFour, {.consecutive_failures = 1, .base_ejection = 10s, .max_ejection = 25s});
  fail(endpoints, "http://a", 1);
  EXPECT_EQ(ejected_["http://a"], 10s);
  clock_.advance(10s);
  fail(endpoints, "http://a", 1);
  EXPECT_EQ(ejected_["http://a"], 20s);
  clock_.advance(20s);
  fail(endpoints, "http://a", 1);
  EXPECT_EQ(ejected_["http://a"], 25s);  // capped
}

TEST_F(EndpointsTest, FollowsTheSourceAsInstancesComeAndGo) {
  auto urls = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"http://a"});
  Endpoints endpoints([urls] { return *urls; }, {});
  EXPECT_EQ(*endpoints.pick(), "http://a");
  *urls = {"http://b", "http://c"};
  const auto counts = picks(endpoints, 4);
  EXPECT_EQ(counts.count("http://a"), 0u);
  EXPECT_EQ(counts.at("http://b"), 2);
}

}  // namespace
}  // namespace platform::resilience
