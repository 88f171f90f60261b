#include "platform/http/health.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

namespace platform::http {
namespace {

boost::json::object body_of(const Response& response) {
  return boost::json::parse(response.body).as_object();
}

TEST(Health, ReadinessIsUpWhenEveryCheckPasses) {
  Health health;
  health.add_check("database", [] { return core::ok(); });
  const auto response = health.readiness();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  const auto body = body_of(response);
  EXPECT_EQ(body.at("status").as_string(), "up");
  const auto& check = body.at("checks").at("database").as_object();
  EXPECT_EQ(check.at("status").as_string(), "up");
  EXPECT_TRUE(check.at("latency_ms").is_double());
}

TEST(Health, CriticalFailureAnswers503WithTheDetail) {
  Health health;
  health.add_check("database", [] { return core::ok(); });
  health.add_check(
      "broker", [] { return core::Result<void>(core::Error::unavailable("no route to redis")); });
  const auto response = health.readiness();
  EXPECT_EQ(response.status, 503);
  const auto body = body_of(response);
  EXPECT_EQ(body.at("status").as_string(), "down");
  EXPECT_EQ(body.at("checks").at("broker").at("status").as_string(), "down");
  EXPECT_EQ(body.at("checks").at("broker").at("detail").as_string(), "no route to redis");
  EXPECT_EQ(body.at("checks").at("database").at("status").as_string(), "up");
}

TEST(Health, NonCriticalFailureIsDegradedAndStays200) {
  Health health;
  health.add_check(
      "cache", [] { return core::Result<void>(core::Error::unavailable("down")); },
      /*critical=*/false);
  const auto response = health.readiness();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response).at("status").as_string(), "degraded");
  EXPECT_EQ(body_of(response).at("checks").at("cache").at("status").as_string(), "degraded");
}

TEST(Health, CheckThatThrowsReportsDown) {
  Health health;
  health.add_check("peer", []() -> core::Result<void> { throw std::runtime_error("socket gone"); });
  const auto response = health.readiness();
  EXPECT_EQ(response.status, 503);
  const auto detail = body_of(response).at("checks").at("peer").at("detail").as_string();
  EXPECT_NE(std::string_view(detail).find("socket gone"), std::string_view::npos);
}

TEST(OperationalRoutes, MountsLiveAndMetricsInlineAndReadyOnTheWorkerPool) {
  Router router;
  Health health;
  metrics::Registry registry;
  registry.counter("demo_total", "Demo.").inc();
  mount_operational_routes(router, health, registry);

  const auto live = router.match("GET", "/health/live");
  ASSERT_EQ(live.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(live.route->execution, Execution::kInline);
  const auto ready = router.match("GET", "/health/ready");
  ASSERT_EQ(ready.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(ready.route->execution, Execution::kWorkerPool);
  const auto metrics = router.match("GET", "/metrics");
  ASSERT_EQ(metrics.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(metrics.route->execution, Execution::kInline);

  Request request;
  const auto response = metrics.route->handler(request);
  EXPECT_EQ(response.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("demo_total 1"), std::string::npos) << response.body;
  EXPECT_EQ(body_of(live.route->handler(request)).at("status").as_string(), "up");
}

TEST(Health, AnswersDrainingOnceTheServerBeginsToStop) {
  Health health;
  health.add_check("database", [] { return core::ok(); });
  EXPECT_EQ(health.readiness().status, 200);
  health.begin_draining();
  const auto response = health.readiness();
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(body_of(response).at("status").as_string(), "draining");
}

TEST(Health, TellsTheBuildAndUptimeOnceDescribed) {
  Health health;
  EXPECT_FALSE(body_of(health.readiness()).contains("version"));
  health.describe("subject-service", "1.2.3", "abc1234",
                  std::chrono::steady_clock::now() - std::chrono::seconds(90));

  const auto body = body_of(health.readiness());
  EXPECT_EQ(body.at("service").as_string(), "subject-service");
  EXPECT_EQ(body.at("version").as_string(), "1.2.3");
  EXPECT_EQ(body.at("commit").as_string(), "abc1234");
  EXPECT_GE(body.at("uptime_seconds").to_number<double>(), 90.0);
  EXPECT_LT(body.at("uptime_seconds").to_number<double>(), 100.0);

  health.begin_draining();
  EXPECT_EQ(body_of(health.readiness()).at("version").as_string(), "1.2.3");
}

}  // namespace
}  // namespace platform::http
