// `sylctl up --monitoring`: Prometheus and Alertmanager (the Debian packages' binaries)
// beside the platform, on loopback, with the project's configuration from deploy/
// adapted to the platform's ports, data under var/. Pure functions here; up.cpp runs them.
//
//   Prometheus    127.0.0.1:9090 (+ the --port-base offset), data var/prometheus
//   Alertmanager  127.0.0.1:9093 (+ the offset), data var/alertmanager
//   configuration var/monitoring/{prometheus.yml,rules/,alertmanager.yml}
//
// A shorter --monitoring-interval than the usual 15 s (tests, demonstrations) scrapes and
// evaluates that often and shortens every alert's `for:` in the same proportion, so that
// an alert fires in seconds instead of minutes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "service_table.h"

namespace sylctl {

inline constexpr std::chrono::seconds kUsualMonitoringInterval{15};

struct MonitoringPorts {
  std::uint16_t config_service = 8100;
  std::uint16_t prometheus = 9090;
  std::uint16_t alertmanager = 9093;
};

MonitoringPorts monitoring_ports(const Ports& ports);

// deploy/prometheus/prometheus.yml for these ports and intervals: the config-service's
// and Alertmanager's addresses, scrape and evaluation every `interval` (timeouts and the
// discovery's refresh no longer than it).
std::string prometheus_config(std::string text, const MonitoringPorts& ports,
                              std::chrono::seconds interval);

// A rule file with each `for: <n><s|m|h>` multiplied by interval / 15 s (at least 1 s);
// unchanged for the usual interval or a longer one.
std::string scale_rule_durations(const std::string& text, std::chrono::seconds interval);

// Writes var/monitoring/ from `deploy_dir` (deploy/ of the repository). Throws
// std::runtime_error naming what is missing.
void prepare_monitoring(const std::filesystem::path& deploy_dir,
                        const std::filesystem::path& monitoring_dir, const MonitoringPorts& ports,
                        std::chrono::seconds interval);

}  // namespace sylctl
