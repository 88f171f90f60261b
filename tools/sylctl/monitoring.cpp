#include "monitoring.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace sylctl {

namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (!(out << text)) throw std::runtime_error("cannot write " + path.string());
}

std::string seconds_text(std::chrono::seconds value) {
  return std::to_string(value.count()) + "s";
}

}  // namespace

MonitoringPorts monitoring_ports(const Ports& ports) {
  const int offset = static_cast<int>(ports.base) - static_cast<int>(kDefaultPortBase);
  return {.config_service = ports.base,
          .prometheus = static_cast<std::uint16_t>(9090 + offset),
          .alertmanager = static_cast<std::uint16_t>(9093 + offset)};
}

std::string prometheus_config(std::string text, const MonitoringPorts& ports,
                              std::chrono::seconds interval) {
  // Both spellings: the plain address and the relabelling's regular expression.
  replace_all(text, ":8100", ":" + std::to_string(ports.config_service));
  replace_all(text, ":9093", ":" + std::to_string(ports.alertmanager));
  const std::string every = seconds_text(interval);
  const std::string at_most_10s = seconds_text(std::min(interval, std::chrono::seconds(10)));
  text = std::regex_replace(text, std::regex(R"((scrape_interval|evaluation_interval): \S+)"),
                            "$1: " + every);
  text = std::regex_replace(text, std::regex(R"((scrape_timeout|refresh_interval): \S+)"),
                            "$1: " + at_most_10s);
  return text;
}

std::string scale_rule_durations(const std::string& text, std::chrono::seconds interval) {
  if (interval >= kUsualMonitoringInterval) return text;
  static const std::regex kFor(R"(for: (\d+)([smh])\b)");
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), kFor), end; it != end; ++it) {
    const auto& match = *it;
    out.append(last, match[0].first);
    const long long amount = std::stoll(match[1].str());
    const char unit = match[2].str()[0];
    const long long seconds = amount * (unit == 'h' ? 3600 : unit == 'm' ? 60 : 1);
    const long long scaled =
        std::max(1LL, seconds * interval.count() / kUsualMonitoringInterval.count());
    out += "for: " + std::to_string(scaled) + "s";
    last = match[0].second;
  }
  out.append(last, text.cend());
  return out;
}

void prepare_monitoring(const std::filesystem::path& deploy_dir,
                        const std::filesystem::path& monitoring_dir, const MonitoringPorts& ports,
                        std::chrono::seconds interval) {
  const auto prometheus = deploy_dir / "prometheus";
  const auto alertmanager = deploy_dir / "alertmanager" / "alertmanager.yml";
  if (!std::filesystem::is_regular_file(prometheus / "prometheus.yml") ||
      !std::filesystem::is_regular_file(alertmanager)) {
    throw std::runtime_error("--monitoring needs " + deploy_dir.string() +
                             "/prometheus and /alertmanager (run sylctl from the repository root)");
  }
  std::filesystem::create_directories(monitoring_dir / "rules");
  write_file(monitoring_dir / "prometheus.yml",
             prometheus_config(read_file(prometheus / "prometheus.yml"), ports, interval));
  for (const auto& entry : std::filesystem::directory_iterator(prometheus / "rules")) {
    if (entry.path().extension() != ".yml") continue;
    write_file(monitoring_dir / "rules" / entry.path().filename(),
               scale_rule_durations(read_file(entry.path()), interval));
  }
  write_file(monitoring_dir / "alertmanager.yml", read_file(alertmanager));
}

}  // namespace sylctl
