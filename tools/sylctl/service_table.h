// The services sylctl runs, in start order, and where it keeps its files under var/.
//
//   const Layout layout(std::filesystem::current_path());
//   for (const ServiceSpec& spec : kServices) {
//     const auto binary = build_dir / spec.binary;      // skipped when not built
//     const auto port = ports.service_port(spec);       // 8100.. or --port-base
//   }
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sylctl {

struct ServiceSpec {
  std::string_view name;
  std::string_view binary;  // relative to the build directory
  std::uint16_t port;       // the embedded default
};

// Start order: the registry first, then the services that register with it. Stopped in
// the reverse order.
inline constexpr std::array kServices = {
    ServiceSpec{"config-service", "services/config-service/config-service", 8100},
    ServiceSpec{"subject-service", "services/subject-service/subject-service", 8101},
    ServiceSpec{"file-service", "services/file-service/file-service", 8102},
    ServiceSpec{"syllabus-service", "services/syllabus-service/syllabus-service", 8103},
    ServiceSpec{"api-gateway", "services/api-gateway/api-gateway", 8080},
};

constexpr std::uint16_t kDefaultPortBase = 8100;
constexpr std::uint16_t kDefaultRedisPort = 6379;
constexpr std::string_view kSupervisorName = "sylctl";
constexpr std::string_view kRedisName = "redis";

// --port-base moves every service port by the same amount (8100 -> base, 8101 -> base + 1,
// ...); --redis-port moves Redis. Both exist so that tests do not collide with a running
// platform.
struct Ports {
  std::uint16_t base = kDefaultPortBase;
  std::uint16_t redis = kDefaultRedisPort;

  std::uint16_t service_port(const ServiceSpec& spec) const;
  std::string redis_url() const;
};

std::optional<ServiceSpec> find_service(std::string_view name);

// A database per service on one server: "{service}" in the caller's SYL_DATABASE_URL
// names it ("postgresql://.../syl_{service}" -> ".../syl_subject_service"). nullopt when
// SYL_DATABASE_URL is unset or has no "{service}" (each service keeps its default).
std::optional<std::string> service_database_url(std::string_view service);

// var/ under the directory sylctl runs in: log/<name>.log, run/<name>.pid, redis/,
// platform-token.
class Layout {
 public:
  explicit Layout(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path var_dir() const { return root_ / "var"; }
  std::filesystem::path log_dir() const { return var_dir() / "log"; }
  std::filesystem::path run_dir() const { return var_dir() / "run"; }
  std::filesystem::path redis_dir() const { return var_dir() / "redis"; }
  std::filesystem::path log_file(std::string_view name) const;
  std::filesystem::path pid_file(std::string_view name) const;
  std::filesystem::path state_file() const { return run_dir() / "sylctl.json"; }
  // The service instances the supervisor keeps running (InstanceSpec).
  std::filesystem::path instances_file() const { return run_dir() / "instances.json"; }
  // Blue-green deploys: what each service runs and ran before (deploy.cpp), the copies of
  // its binaries, and the reports.
  std::filesystem::path deploy_dir() const { return var_dir() / "deploy"; }
  // The platform token (platform_token.h), mode 0600; kept from one `up` to the next.
  std::filesystem::path platform_token_file() const { return var_dir() / "platform-token"; }

 private:
  std::filesystem::path root_;
};

// What `up` started, for `status` and `down`: var/run/sylctl.json.
struct State {
  Ports ports;
  std::vector<std::string> services;  // in start order
};

void write_state(const Layout& layout, const State& state);
std::optional<State> read_state(const Layout& layout);

// One service instance the supervisor keeps running. `up` writes the list (every service
// blue); `deploy` and `rollback` change it and send the supervisor SIGUSR1, upon which it
// starts the instances it lacks and stops (SIGTERM, drained) those no longer listed.
struct InstanceSpec {
  std::string name;  // its pid and log files: "subject-service", "subject-service-green"
  std::string service;
  std::string binary;
  std::uint16_t port = 0;
  std::string colour;  // "blue" or "green"

  friend bool operator==(const InstanceSpec&, const InstanceSpec&) = default;
};

// Blue instances keep the service's name and port; green ones are "<service>-green" on
// the port kGreenPortOffset above (8121 for the subject-service).
constexpr std::uint16_t kGreenPortOffset = 20;
std::string instance_name(std::string_view service, std::string_view colour);
std::uint16_t instance_port(const Ports& ports, const ServiceSpec& spec, std::string_view colour);

void write_instances(const Layout& layout, const std::vector<InstanceSpec>& instances);
// Empty when there is no list (or it cannot be read).
std::vector<InstanceSpec> read_instances(const Layout& layout);

}  // namespace sylctl
