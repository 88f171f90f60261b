// The start-up every service shares, so that a service's main.cpp is only its own wiring:
//
//   int run(int argc, char** argv) {
//     auto startup = platform::service::start(argc, argv, {.name = "subject-service",
//         .schema = common_schema("subject-service", 8101), .migrations = files});
//     if (auto* exit_code = std::get_if<int>(&startup)) return *exit_code;
//     auto& s = std::get<platform::service::Startup>(startup);
//     ... repositories, handlers, routes over *s.database, *s.logger ...
//     Server server(server_options(s.config), std::move(router), *s.logger, registry);
//     server.start();
//     log_ready(s, server.port());
//   }
//   int main(int argc, char** argv) { return platform::service::guarded_main("x", run, argc, argv);
//   }
//
// start() handles the command line (serve | migrate | --help), loads the settings (bad
// ones: one line each on stderr, exit 2; so is a missing platform.token where one is
// needed to serve), makes the JSON logger, opens the database and applies its migrations
// (failures logged, exit 1). `migrate` and `--help` end there.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "platform/config/config.h"
#include "platform/core/background_task.h"
#include "platform/core/embedded_file.h"
#include "platform/db/database.h"
#include "platform/http/identity.h"
#include "platform/http/router.h"
#include "platform/http/server.h"
#include "platform/logging/logger.h"
#include "platform/tracing/tracer.h"

namespace platform::service {

struct Description {
  std::string name;                            // "subject-service"
  config::Schema schema;                       // common_schema(name, port) plus its own
  std::vector<core::EmbeddedFile> migrations;  // the service's and its libraries'
  // The config-service guards writes with platform.token, so it cannot serve without one.
  // Every other service needs it only when config_service.url is set.
  bool requires_platform_token = false;
};

struct Startup {
  std::string name;
  std::string instance;  // SYL_INSTANCE_ID, or "<name>-<random>"
  config::Schema schema;
  config::Config config;
  std::unique_ptr<logging::Logger> logger;
  std::unique_ptr<db::Database> database;
  // The gateway's keys (gateway.identity_keys); null when none are set.
  std::shared_ptr<const http::IdentityKeys> identity_keys;
  std::chrono::steady_clock::time_point started;
  // Spans from the tracing.* and otlp.* settings (service/tracing.h). Declared after the
  // logger it writes to, so that it goes first.
  std::unique_ptr<tracing::Tracer> tracer;
};

// The Startup to serve with, or the exit code to end with.
std::variant<Startup, int> start(int argc, char** argv, Description description);

// The HTTP server settings of common_schema(): host, port, threads, limits, timeouts.
http::ServerOptions server_options(const config::Config& config);
// The same, with the service's tracer: a server span per request.
http::ServerOptions server_options(const Startup& startup);

// For a setting whose check needs more than the schema's validators (done after start()):
// prints the problems of `error` as start() prints bad settings ("configuration is
// invalid:", then "  <variable>: <message>" each) on stderr and returns exit code 2.
int exit_invalid_setting(std::string_view variable, const core::Error& error);

// Options for the service's core::BackgroundTasks: an exception escaping a step is logged
// as an error naming the task (the task goes on).
core::BackgroundTask::Options background_task_options(logging::Logger& logger);

// The middleware every service runs before its own: the caller's identity, as the gateway
// vouched for it (http::identity_middleware with the configured keys).
void use_platform_middleware(http::Router& router, const Startup& startup);

// The "ready" line (port and start-up time) that launchers and tests wait for.
void log_ready(const Startup& startup, std::uint16_t port);

// Runs `run`; an exception escaping start-up (a port in use, say) becomes one line on
// stderr and exit code 1.
int guarded_main(const char* name, int (*run)(int, char**), int argc, char** argv);

}  // namespace platform::service
