// A small server process for the tests of what only a whole process shows: signals and
// the order of a graceful stop. Settings come from the environment (milliseconds):
// DRAIN_DELAY_MS, SHUTDOWN_TIMEOUT_MS, WORKER_JOIN_TIMEOUT_MS.
//
//   GET /slow/{ms}   answers after ms milliseconds
//   GET /stuck       never answers (until the process ends)
// Both log "handler started" first, for a test to wait on instead of sleeping.
//   GET /health/ready, /health/live, /metrics
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/logging/logger.h"

namespace {

std::chrono::milliseconds env_ms(const char* name, std::chrono::milliseconds fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::chrono::milliseconds(std::stol(value));
}

}  // namespace

int main() {
  using namespace platform;
  logging::Logger logger("test-server", "test-server-1", logging::Level::kInfo);
  metrics::Registry registry;
  http::Health health;
  http::Router router;
  router.get("/slow/{ms}", [&logger](http::Request& request) {
    logger.info("handler started", {{"route", request.route}});
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::stol(std::string(request.path_param("ms")))));
    return http::Response::json(200, R"({"slow":true})");
  });
  router.get("/stuck", [&logger](http::Request& request) -> http::Response {
    logger.info("handler started", {{"route", request.route}});
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  });
  http::mount_operational_routes(router, health, registry);
  http::ServerOptions options;
  options.worker_threads = 4;
  options.health = &health;
  options.drain_delay = env_ms("DRAIN_DELAY_MS", std::chrono::milliseconds(0));
  options.shutdown_timeout = env_ms("SHUTDOWN_TIMEOUT_MS", std::chrono::milliseconds(10'000));
  options.worker_join_timeout = env_ms("WORKER_JOIN_TIMEOUT_MS", std::chrono::milliseconds(2'000));
  options.on_shutdown = [&logger] { logger.info("deregistered"); };
  http::Server server(std::move(options), std::move(router), logger, registry);
  const auto port = server.start();
  logger.info("ready", {{"port", port}});
  server.wait_for_shutdown_signal();
  logger.info("exiting");
  return 0;
}
