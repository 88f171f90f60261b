// config-service: config -> infrastructure -> handlers -> routes -> run.
//
//   config-service            serve (migrating the database first)
//   config-service migrate    apply pending migrations and exit

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
#include "platform/db/database.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/logging/logger.h"
#include "platform/service/startup.h"

namespace config_service {
std::vector<platform::core::EmbeddedFile> migration_files();  // generated from migrations/
}

namespace {

namespace app = config_service::application;
namespace infra = config_service::infrastructure;

constexpr const char* kService = "config-service";
constexpr std::uint16_t kDefaultPort = 8100;
// The service's settings: the shared ones and the registry's sweep pace.
platform::config::Schema settings_schema() {
  auto schema = platform::config::common_schema(kService, kDefaultPort);
  schema.add({"registry.sweep_interval_ms", "250",
              "How often lapsed leases are removed from the registry.",
              platform::config::integer_in(50, 1000)});
  return schema;
}

int run(int argc, char** argv) {
  auto started = platform::service::start(argc, argv,
                                          {.name = kService,
                                           .schema = settings_schema(),
                                           .migrations = config_service::migration_files()});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  const platform::config::Config& config = startup.config;
  platform::logging::Logger& logger = *startup.logger;
  platform::db::Database& database = *startup.database;

  // Long polls wait in the hub; every committed change wakes the watchers of its topic.
  app::WatchHub watches;
  const auto registry_changed = [&watches](std::int64_t version) {
    watches.notify(config_service::api::kRegistryTopic, version);
  };
  const auto clock = [] { return platform::core::now_utc(); };

  infra::SqlRegistryRepository registry_repository(database);
  app::RegisterInstanceHandler register_instance(registry_repository, clock, registry_changed);
  app::HeartbeatHandler heartbeat(registry_repository, clock);
  app::DeregisterHandler deregister(registry_repository, registry_changed);
  app::ExpireLeasesHandler expire_leases(registry_repository, clock, registry_changed);
  app::ListServicesHandler list_services(registry_repository, clock);
  app::ListInstancesHandler list_instances(registry_repository, clock);

  const auto config_changed = [&watches](const std::string& service, std::int64_t version) {
    watches.notify(config_service::api::config_topic(service), version);
  };
  infra::SqlConfigRepository config_repository(database);
  app::PutSchemaHandler put_schema(config_repository, clock);
  app::PutConfigHandler put_config(config_repository, clock, config_changed);
  app::RollbackHandler rollback(config_repository, clock, config_changed);
  app::GetConfigHandler get_config(config_repository);
  app::HistoryHandler history(config_repository);
  app::DiffHandler diff(config_repository);

  platform::metrics::Registry registry;
  platform::http::Health health;
  health.add_check("database", [&] { return database.ping(); });

  platform::http::Router router;
  platform::service::use_platform_middleware(router, startup);
  config_service::api::add_registry_routes(
      router, {register_instance, heartbeat, deregister, list_services, list_instances, watches});
  config_service::api::add_config_routes(
      router, {put_schema, put_config, rollback, get_config, history, diff, watches});
  config_service::api::add_openapi_route(router);
  platform::http::mount_operational_routes(router, health, registry);

  infra::PeriodicTask sweeper(
      std::chrono::milliseconds(config.get_int("registry.sweep_interval_ms")), [&] {
        auto expired = expire_leases.handle();
        if (!expired)
          logger.warn("cannot expire leases", {{"error", expired.error().detail()},
                                               {"cause", expired.error().log_detail()}});
        else if (expired->removed > 0)
          logger.info("leases expired", {{"instances", expired->removed},
                                         {"registry_version", expired->registry_version}});
      });

  platform::http::ServerOptions server_options = platform::service::server_options(config);
  server_options.health = &health;
  // Pending long polls are answered with the current state instead of holding the stop.
  server_options.on_shutdown = [&watches] { watches.shutdown(); };
  platform::http::Server server(std::move(server_options), std::move(router), logger, registry);
  server.start();
  platform::service::log_ready(startup, server.port());
  server.wait_for_shutdown_signal();
  sweeper.stop();
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
