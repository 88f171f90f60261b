// `sylctl status`: each service's process and readiness, and the config-service's registry.
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "http_get.h"
#include "process.h"

namespace sylctl {

namespace {

constexpr const char* kHost = "127.0.0.1";

std::string format_latency(std::chrono::microseconds latency) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << static_cast<double>(latency.count()) / 1000.0
      << " ms";
  return out.str();
}

std::string instance_count(const boost::json::value& instances) {
  if (instances.is_array()) return std::to_string(instances.get_array().size());
  if (instances.is_int64()) return std::to_string(instances.get_int64());
  if (instances.is_uint64()) return std::to_string(instances.get_uint64());
  return boost::json::serialize(instances);
}

void print_registry(std::uint16_t port) {
  const HttpResult answer = http_get(kHost, port, "/registry/services");
  if (!answer.ok() || answer.status != 200) return;
  boost::system::error_code error;
  const auto document = boost::json::parse(answer.body, error);
  if (error || !document.is_object()) return;
  const auto* services = document.get_object().if_contains("services");
  const auto* version = document.get_object().if_contains("registry_version");
  std::cout << "\nregistry (version " << (version ? boost::json::serialize(*version) : "?")
            << "):\n";
  if (services == nullptr || !services->is_array() || services->get_array().empty()) {
    std::cout << "  no services registered\n";
    return;
  }
  for (const auto& service : services->get_array()) {
    if (!service.is_object()) continue;
    const auto* name = service.get_object().if_contains("name");
    const auto* instances = service.get_object().if_contains("instances");
    std::cout << "  " << std::left << std::setw(20)
              << (name && name->is_string() ? std::string(name->get_string()) : "?")
              << (instances ? instance_count(*instances) : "0") << " instance(s)\n";
  }
}

}  // namespace

int run_status(const StatusOptions& options) {
  const Layout layout(std::filesystem::current_path());
  const auto state = read_state(layout);
  Ports ports = state ? state->ports : Ports{};
  if (options.port_base) ports.base = *options.port_base;
  std::vector<ServiceSpec> services;
  if (state) {
    for (const std::string& name : state->services) {
      if (auto spec = find_service(name)) services.push_back(*spec);
    }
  } else {
    services.assign(kServices.begin(), kServices.end());
  }

  const auto supervisor = read_pid_file(layout.pid_file(kSupervisorName));
  const bool supervising = supervisor && is_alive(*supervisor);
  std::cout << "supervisor: "
            << (supervising ? "running, pid " + std::to_string(*supervisor) : "not running")
            << "\n\n";
  std::cout << std::left << std::setw(18) << "NAME" << std::setw(16) << "PID" << std::setw(24)
            << "READY" << std::setw(12) << "LATENCY"
            << "URL\n";

  bool all_ready = !services.empty();
  bool config_answers = false;
  for (const ServiceSpec& spec : services) {
    const auto pid = read_pid_file(layout.pid_file(spec.name));
    std::string pid_text = "-";
    if (pid) pid_text = std::to_string(*pid) + (is_alive(*pid) ? "" : " (gone)");
    const std::uint16_t port = ports.service_port(spec);
    const HttpResult answer = http_get(kHost, port, "/health/ready");
    const bool ready = answer.ok() && answer.status == 200;
    all_ready = all_ready && ready;
    if (spec.name == "config-service" && answer.ok()) config_answers = true;
    const std::string ready_text =
        answer.ok() ? (ready ? "ready" : "not ready (HTTP " + std::to_string(answer.status) + ")")
                    : "down";
    std::cout << std::left << std::setw(18) << spec.name << std::setw(16) << pid_text
              << std::setw(24) << ready_text << std::setw(12)
              << (answer.ok() ? format_latency(answer.latency) : "-") << "http://" << kHost << ':'
              << port << '\n';
  }
  if (const auto config = find_service("config-service"); config && config_answers) {
    print_registry(ports.service_port(*config));
  }
  return all_ready ? kExitOk : kExitNotReady;
}

}  // namespace sylctl
