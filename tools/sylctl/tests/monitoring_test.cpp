#include "monitoring.h"

#include <gtest/gtest.h>

namespace sylctl {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPrometheus = R"(global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 15s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:9093"]
scrape_configs:
  - job_name: syllabus-platform
    http_sd_configs:
      - url: http://127.0.0.1:8100/registry/prometheus-targets
        refresh_interval: 10s
    relabel_configs:
      - source_labels: [__address__]
        regex: 127\.0\.0\.1:8100
        action: drop
)";

TEST(Monitoring, PortsFollowThePortBase) {
  const MonitoringPorts usual = monitoring_ports(Ports{});
  EXPECT_EQ(usual.config_service, 8100);
  EXPECT_EQ(usual.prometheus, 9090);
  EXPECT_EQ(usual.alertmanager, 9093);
  const MonitoringPorts moved = monitoring_ports(Ports{.base = 18100});
  EXPECT_EQ(moved.config_service, 18100);
  EXPECT_EQ(moved.prometheus, 19090);
  EXPECT_EQ(moved.alertmanager, 19093);
}

TEST(Monitoring, PointsPrometheusAtThePlatformsPortsAndInterval) {
  const std::string config = prometheus_config(
      kPrometheus, {.config_service = 18100, .prometheus = 19090, .alertmanager = 19093}, 2s);
  EXPECT_EQ(config.find(":8100"), std::string::npos) << config;
  EXPECT_NE(config.find("http://127.0.0.1:18100/registry/prometheus-targets"), std::string::npos);
  EXPECT_NE(config.find(R"(regex: 127\.0\.0\.1:18100)"), std::string::npos);
  EXPECT_NE(config.find(R"(targets: ["127.0.0.1:19093"])"), std::string::npos);
  EXPECT_NE(config.find("scrape_interval: 2s"), std::string::npos);
  EXPECT_NE(config.find("evaluation_interval: 2s"), std::string::npos);
  EXPECT_NE(config.find("scrape_timeout: 2s"), std::string::npos);  // never above the interval
  EXPECT_NE(config.find("refresh_interval: 2s"), std::string::npos);
  // The usual interval keeps the file's own timeouts.
  const std::string usual = prometheus_config(kPrometheus, {}, 15s);
  EXPECT_NE(usual.find("scrape_timeout: 10s"), std::string::npos);
  EXPECT_NE(usual.find("scrape_interval: 15s"), std::string::npos);
}

TEST(Monitoring, ShortensAlertDurationsInProportionToAShorterInterval) {
  const std::string rules =
      "        for: 1m\n        for: 15m\n        for: 30s\n        for: 2h\n";
  EXPECT_EQ(scale_rule_durations(rules, 15s), rules);
  EXPECT_EQ(scale_rule_durations(rules, 60s), rules);
  EXPECT_EQ(scale_rule_durations(rules, 1s),
            "        for: 4s\n        for: 60s\n        for: 2s\n        for: 480s\n");
  EXPECT_EQ(scale_rule_durations("for: 5s", 1s), "for: 1s");  // at least a second
}

}  // namespace
}  // namespace sylctl
