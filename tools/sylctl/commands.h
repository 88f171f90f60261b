// The sylctl commands; each returns the process exit code. They work on var/ under the
// current directory.
//
//   sylctl up [--build-dir build/release] [--foreground] [--port-base 8100] [--redis-port 6379]
//             [--monitoring [--monitoring-interval 15s]]
//   sylctl down
//   sylctl status [--port-base N]
//   sylctl logs [--request-id X | --trace-id Y] [--service NAME] [--level L] [--since 10m]
//               [--grep TEXT] [--follow]
//   sylctl trace TRACE_ID | sylctl trace --slowest 10 [--since 5m]
//   sylctl top [--port-base N] [--once]
//   sylctl config show SERVICE [--env ENV] [--port-base N]
//   sylctl config set SERVICE KEY=VALUE... [--env ENV] [--author NAME] [--comment TEXT]
//   sylctl token --sub NAME [--roles viewer,editor] [--ttl 1h]
//   sylctl seed --demo [--subjects 24] [--port-base N]
//   sylctl deploy SERVICE --build-dir DIR [--steps 10,50,100] [--pause 10s] ...
//   sylctl rollback SERVICE [--window 1h]
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "log_merge.h"
#include "service_table.h"

namespace sylctl {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNotReady = 3;

struct UpOptions {
  std::filesystem::path build_dir = "build/release";
  bool foreground = false;
  Ports ports;
  // Prometheus and Alertmanager too (monitoring.h), configured from `deploy_dir`.
  bool monitoring = false;
  std::chrono::seconds monitoring_interval{15};
  std::filesystem::path deploy_dir = "deploy";
};

struct StatusOptions {
  std::optional<std::uint16_t> port_base;  // else what `up` recorded, else 8100
};

struct ConfigOptions {
  std::string service;
  std::string env = "default";
  std::vector<std::pair<std::string, std::string>> settings;  // set: KEY=VALUE
  std::string author;                                         // set: who changes it
  std::string comment;
  std::optional<std::uint16_t> port_base;  // else what `up` recorded, else 8100
};

struct TokenOptions {
  std::string subject;
  std::vector<std::string> roles;
  std::chrono::seconds ttl{3600};
};

struct SeedOptions {
  std::size_t subjects = 24;
  std::optional<std::uint16_t> port_base;  // else what `up` recorded, else 8100
};

struct DeployOptions {
  std::string service;
  std::filesystem::path build_dir = "build/release";
  std::vector<int> steps{10, 50, 100};        // percent of the calls to the new version
  std::chrono::milliseconds pause{10'000};    // watched at each step
  std::chrono::milliseconds interval{1'000};  // between two reads of its /metrics
  double max_error_ratio = 0.01;              // 5xx / requests above this: roll back
  std::chrono::milliseconds max_p99{500};
  std::size_t min_requests = 20;  // fewer in a step so far: no verdict on the ratio yet
  std::chrono::seconds rollback_window{3600};
};

struct RollbackOptions {
  std::string service;
  std::chrono::seconds window{3600};  // how long after a deploy the old version is kept
};

struct LogsOptions {
  LogFilter filter;
  bool follow = false;
};

struct TopOptions {
  std::optional<std::uint16_t> port_base;  // else what `up` recorded, else 8100
  std::chrono::milliseconds interval{1000};
  bool once = false;  // print one screen (after two scrapes) and exit: scripts, no terminal
};

struct TraceOptions {
  std::string trace_id;                       // a waterfall of this trace, or else
  std::size_t slowest = 10;                   // the slowest traces
  std::optional<std::chrono::seconds> since;  // that began this long ago at most
};

int run_up(const UpOptions& options);
int run_down();
int run_status(const StatusOptions& options);
int run_logs(const LogsOptions& options);
// A live view from every instance's /metrics (the registry's instances, else the recorded
// services): requests/s, 5xx share, p99, breakers, outbox, consumer lag, dead letters.
int run_top(const TopOptions& options);
// From the spans in var/log/*.log (tracing.log_spans).
int run_trace(const TraceOptions& options);
// Both use the platform token (var/platform-token or SYL_PLATFORM_TOKEN).
int run_config_show(const ConfigOptions& options);
int run_config_set(const ConfigOptions& options);
// Prints a bearer token for the local platform's gateway (HS256 with var/jwt-secret).
int run_token(const TokenOptions& options);
// Demo data through the gateway (seed.cpp); idempotent.
int run_seed(const SeedOptions& options);
// Blue-green on the local platform (deploy.cpp): 0 deployed (or rolled back on request),
// 1 refused or rolled back automatically (the report says why).
int run_deploy(const DeployOptions& options);
int run_rollback(const RollbackOptions& options);
// "90", "90s", "15m", "1h", "7d" -> seconds; nullopt for anything else.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace sylctl
