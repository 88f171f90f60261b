// config-service: config -> infrastructure -> handlers -> routes -> run.
//
//   config-service            serve (migrating the database first)
//   config-service migrate    apply pending migrations and exit

#include "api/config_api.h"
#include "api/openapi.h"
#include "api/registry_api.h"
#include "application/expire_leases.h"
#include "infrastructure/migrations.h"
#include "infrastructure/sql_config_repository.h"
#include "infrastructure/sql_registry_repository.h"
#include "platform/config/config.h"
#include "platform/core/background_task.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/service/observability.h"
#include "platform/service/openapi.h"
#include "platform/service/platform_link.h"
#include "platform/service/startup.h"

namespace {

namespace app = config_service::application;

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

// The lease sweeper's step: removes lapsed instances, logs what it removed.
platform::core::BackgroundTask::Step expire_leases(app::ExpireLeasesHandler& handler,
                                                   std::chrono::milliseconds interval,
                                                   platform::logging::Logger& logger) {
  return [&handler, interval, &logger](platform::core::BackgroundTask&) -> platform::core::Pause {
    auto expired = handler.handle();
    if (!expired)
      logger.warn("cannot expire leases",
                  {{"error", expired.error().detail()}, {"cause", expired.error().log_detail()}});
    else if (expired->removed > 0)
      logger.info("leases expired", {{"instances", expired->removed},
                                     {"registry_version", expired->registry_version}});
    return interval;
  };
}

int run(int argc, char** argv) {
  auto started =
      platform::service::start(argc, argv,
                               {.name = kService,
                                .schema = settings_schema(),
                                .migrations = config_service::infrastructure::migration_files(),
                                .requires_platform_token = true});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  const platform::config::Config& config = startup.config;
  platform::logging::Logger& logger = *startup.logger;
  platform::db::Database& database = *startup.database;
  platform::metrics::Registry registry;

  // Infrastructure. Long polls wait in the hub; every committed change wakes the
  // watchers of its topic.
  app::WatchHub watches;
  registry.callback_gauge("config_watches_waiting", "Long polls waiting for a change.", {},
                          [&watches] { return static_cast<double>(watches.waiting()); });
  const auto registry_changed = [&watches](std::int64_t version) {
    watches.notify(config_service::api::kRegistryTopic, version);
  };
  const auto config_changed = [&watches](const std::string& service, std::int64_t version) {
    watches.notify(config_service::api::config_topic(service), version);
  };
  config_service::infrastructure::SqlRegistryRepository registry_repository(database);
  config_service::infrastructure::SqlConfigRepository config_repository(database);

  // Handlers.
  const auto clock = [] { return platform::core::now_utc(); };
  app::RegisterInstanceHandler register_instance(registry_repository, clock, registry_changed);
  app::HeartbeatHandler heartbeat(registry_repository, clock);
  app::DeregisterHandler deregister(registry_repository, registry_changed);
  app::SetTrafficHandler set_traffic(registry_repository, registry_changed);
  app::ExpireLeasesHandler expire(registry_repository, clock, registry_changed);
  app::ListServicesHandler list_services(registry_repository, clock);
  app::ListInstancesHandler list_instances(registry_repository, clock);
  app::PutSchemaHandler put_schema(config_repository, clock);
  app::PutConfigHandler put_config(config_repository, clock, config_changed);
  app::RollbackHandler rollback(config_repository, clock, config_changed);
  app::GetConfigHandler get_config(config_repository);
  app::HistoryHandler history(config_repository);
  app::DiffHandler diff(config_repository);

  // Routes.
  platform::http::Health health;
  health.add_check("database", [&] { return database.ping(); });
  // Registry and configuration writes, and reads of secrets, need the platform token.
  const config_service::api::PlatformToken token(config.get("platform.token"));
  platform::http::Router router;
  platform::service::use_platform_middleware(router, startup);
  config_service::api::add_registry_routes(router,
                                           {register_instance, heartbeat, deregister, list_services,
                                            list_instances, set_traffic, watches},
                                           token);
  config_service::api::add_config_routes(
      router, {put_schema, put_config, rollback, get_config, history, diff, watches}, token);
  platform::service::add_openapi_route(router, config_service::api::openapi_document());
  platform::http::mount_operational_routes(router, health, registry);

  // Background tasks.
  platform::core::BackgroundTask sweeper(
      "lease-sweeper",
      expire_leases(expire, std::chrono::milliseconds(config.get_int("registry.sweep_interval_ms")),
                    logger),
      platform::service::background_task_options(logger));
  sweeper.start();

  // Run. Pending long polls are answered with the current state instead of holding the
  // stop. With config_service.url set (to itself, say, so that Prometheus finds it in the
  // registry) it registers like any service.
  platform::service::PlatformLink platform_link(startup);
  platform::service::instrument(startup, registry, health, &platform_link);
  platform::http::ServerOptions server_options = platform::service::server_options(startup);
  server_options.health = &health;
  server_options.on_shutdown = [&watches, &platform_link] {
    platform_link.deregister();
    watches.shutdown();
  };
  platform::http::Server server(std::move(server_options), std::move(router), logger, registry);
  platform_link.start(server.start());
  platform::service::log_ready(startup, server.port());
  server.wait_for_shutdown_signal();
  platform_link.stop();
  sweeper.stop();
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
