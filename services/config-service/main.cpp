// config-service: config -> infrastructure -> handlers -> routes -> run.
//
//   config-service            serve (migrating the database first)
//   config-service migrate    apply pending migrations and exit
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "api/config_api.h"
#include "api/openapi.h"
#include "api/registry_api.h"
#include "application/config_commands.h"
#include "application/config_queries.h"
#include "application/registry_commands.h"
#include "application/registry_queries.h"
#include "application/watch_hub.h"
#include "infrastructure/periodic_task.h"
#include "infrastructure/sql_config_repository.h"
#include "infrastructure/sql_registry_repository.h"
#include "platform/config/config.h"
#include "platform/core/uuid.h"
#include "platform/db/database.h"
#include "platform/db/migrations.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/logging/logger.h"

namespace config_service {
std::vector<platform::core::EmbeddedFile> migration_files();  // generated from migrations/
}

namespace {

namespace app = config_service::application;
namespace infra = config_service::infrastructure;

constexpr const char* kService = "config-service";
constexpr std::uint16_t kDefaultPort = 8100;
constexpr const char* kUsage =
    "usage: config-service [serve|migrate]\n"
    "  serve    migrate the database, then serve HTTP until SIGTERM (default)\n"
    "  migrate  apply pending database migrations and exit\n"
    "Settings come from SYL_* environment variables and the YAML file named by\n"
    "SYL_CONFIG_FILE; see README.md.\n";

int run(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command != "serve" && command != "migrate") {
    std::fprintf(stderr, "unknown command: %s\n%s", command.c_str(), kUsage);
    return 2;
  }

  const auto started = std::chrono::steady_clock::now();
  auto schema = platform::config::common_schema(kService, kDefaultPort);
  schema.add({"registry.sweep_interval_ms", "250",
              "How often lapsed leases are removed from the registry.",
              platform::config::integer_in(50, 1000)});
  auto config = platform::config::load(schema, platform::config::environment_from(environ));
  if (!config) {
    std::fputs(platform::config::format_errors(config.error()).c_str(), stderr);
    return 2;
  }
  std::string instance = config->get("instance.id");
  if (instance.empty())
    instance = std::string(kService) + "-" + platform::core::Uuid::v4().to_string().substr(0, 8);
  platform::logging::Logger logger(kService, instance,
                                   *platform::logging::parse_level(config->get("log.level")));

  auto database = platform::db::Database::open(
      {.url = config->get("database.url"),
       .pool_size = static_cast<std::size_t>(config->get_int("database.pool_size"))});
  if (!database) {
    logger.error("cannot open the database", {{"error", database.error().detail()}});
    return 1;
  }
  auto migrated = platform::db::migrate(**database, config_service::migration_files());
  if (!migrated) {
    logger.error("cannot migrate the database",
                 {{"error", migrated.error().detail()}, {"cause", migrated.error().log_detail()}});
    return 1;
  }
  logger.info("database ready", {{"url", (*database)->display_url()},
                                 {"migrations_applied", migrated->applied},
                                 {"schema_version", migrated->current_version}});
  if (command == "migrate") return 0;

  // Long polls wait in the hub; every committed change wakes the watchers of its topic.
  app::WatchHub watches;
  const auto registry_changed = [&watches](std::int64_t version) {
    watches.notify(config_service::api::kRegistryTopic, version);
  };
  const auto clock = [] { return platform::core::now_utc(); };

  infra::SqlRegistryRepository registry_repository(**database);
  app::RegisterInstanceHandler register_instance(registry_repository, clock, registry_changed);
  app::HeartbeatHandler heartbeat(registry_repository, clock);
  app::DeregisterHandler deregister(registry_repository, registry_changed);
  app::ExpireLeasesHandler expire_leases(registry_repository, clock, registry_changed);
  app::ListServicesHandler list_services(registry_repository, clock);
  app::ListInstancesHandler list_instances(registry_repository, clock);

  const auto config_changed = [&watches](const std::string& service, std::int64_t version) {
    watches.notify(config_service::api::config_topic(service), version);
  };
  infra::SqlConfigRepository config_repository(**database);
  app::PutSchemaHandler put_schema(config_repository, clock);
  app::PutConfigHandler put_config(config_repository, clock, config_changed);
  app::RollbackHandler rollback(config_repository, clock, config_changed);
  app::GetConfigHandler get_config(config_repository);
  app::HistoryHandler history(config_repository);
  app::DiffHandler diff(config_repository);

  platform::metrics::Registry registry;
  platform::http::Health health;
  health.add_check("database", [&] { return (*database)->ping(); });

  platform::http::Router router;
  config_service::api::add_registry_routes(
      router, {register_instance, heartbeat, deregister, list_services, list_instances, watches});
  config_service::api::add_config_routes(
      router, {put_schema, put_config, rollback, get_config, history, diff, watches});
  config_service::api::add_openapi_route(router);
  platform::http::mount_operational_routes(router, health, registry);

  infra::PeriodicTask sweeper(
      std::chrono::milliseconds(config->get_int("registry.sweep_interval_ms")), [&] {
        auto expired = expire_leases.handle();
        if (!expired)
          logger.warn("cannot expire leases", {{"error", expired.error().detail()},
                                               {"cause", expired.error().log_detail()}});
        else if (expired->removed > 0)
          logger.info("leases expired", {{"instances", expired->removed},
                                         {"registry_version", expired->registry_version}});
      });

  platform::http::Server server(
      {.host = config->get("http.host"),
       .port = static_cast<std::uint16_t>(config->get_int("http.port")),
       .io_threads = static_cast<int>(config->get_int("http.io_threads")),
       .worker_threads = static_cast<int>(config->get_int("worker_threads")),
       .max_body_bytes = static_cast<std::size_t>(config->get_int("http.max_body_bytes")),
       .read_timeout = std::chrono::milliseconds(config->get_int("http.read_timeout_ms")),
       .idle_timeout = std::chrono::milliseconds(config->get_int("http.idle_timeout_ms")),
       .shutdown_timeout = std::chrono::milliseconds(config->get_int("http.shutdown_timeout_ms")),
       // Pending long polls are answered with the current state instead of holding the stop.
       .on_shutdown = [&watches] { watches.shutdown(); }},
      std::move(router), logger, registry);
  server.start();
  const auto ready_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  logger.info("ready", {{"port", server.port()}, {"startup_ms", ready_ms}});
  server.wait_for_shutdown_signal();
  sweeper.stop();
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Start-up is the one place where exceptions are expected (bind errors and the like).
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "config-service: %s\n", e.what());
    return 1;
  }
}
