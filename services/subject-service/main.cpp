// subject-service: config -> infrastructure -> handlers -> routes -> run.
//
//   subject-service            serve (migrating the database first)
//   subject-service migrate    apply pending migrations and exit

#include "api/contract_test_routes.h"
#include "api/import_api.h"
#include "api/openapi.h"
#include "api/subject_api.h"
#include "infrastructure/migrations.h"
#include "infrastructure/sql_subject_repository.h"
#include "infrastructure/subject_event_mapper.h"
#include "platform/config/config.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/service/events.h"
#include "platform/service/legacy_imports.h"
#include "platform/service/observability.h"
#include "platform/service/openapi.h"
#include "platform/service/platform_link.h"
#include "platform/service/startup.h"

namespace {

namespace app = subject_service::application;

constexpr const char* kService = "subject-service";
constexpr std::uint16_t kDefaultPort = 8101;

// The service's settings: the shared ones only.
platform::config::Schema settings_schema() {
  return platform::config::common_schema(kService, kDefaultPort);
}

int run(int argc, char** argv) {
  auto started =
      platform::service::start(argc, argv,
                               {.name = kService,
                                .schema = settings_schema(),
                                .migrations = subject_service::infrastructure::migration_files()});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  platform::logging::Logger& logger = *startup.logger;
  platform::db::Database& database = *startup.database;
  platform::metrics::Registry registry;

  // Infrastructure. Events leave through the outbox: committed with each change,
  // published by the relay; without Redis the service keeps serving.
  auto relay = platform::service::start_outbox_relay(
      startup, subject_service::infrastructure::kSubjectStream, registry);
  subject_service::infrastructure::SqlSubjectRepository repository(database,
                                                                   [&relay] { relay->notify(); });

  // Handlers.
  const auto clock = [] { return platform::core::now_utc(); };
  app::CreateSubjectHandler create(repository, clock, [] { return platform::core::Uuid::v7(); });
  app::UpdateSubjectHandler update(repository, clock);
  app::DeleteSubjectHandler remove(repository, clock);
  app::GetSubjectHandler get(repository);
  app::ListSubjectsHandler list(repository);
  app::ImportSubjectsHandler import(repository, [] { return platform::core::Uuid::v7(); });

  // Routes.
  platform::http::Health health;
  health.add_check("database", [&] { return database.ping(); });
  platform::service::add_broker_check(health, *relay);
  platform::http::Router router;
  platform::service::use_platform_middleware(router, startup);
  subject_service::api::add_routes(router, {create, update, remove, get, list});
  platform::service::add_import_routes(
      router, {.kind = "subjects",
               .import =
                   [&import](platform::http::Request& request) {
                     return subject_service::api::import_subjects(request, import);
                   },
               .ledger = &database,
               .identity_enforced = startup.identity_keys != nullptr});
  platform::service::add_openapi_route(router, subject_service::api::openapi_document());
  platform::service::add_contract_test_routes(
      router, startup, subject_service::api::contract_test_routes(repository, clock));
  platform::http::mount_operational_routes(router, health, registry);

  // Run. With a config-service: registered while serving, deregistered as soon as
  // draining begins (so that peers stop choosing this instance), dynamic settings live.
  platform::service::PlatformLink platform_link(startup);
  platform::service::instrument(startup, registry, health, &platform_link);
  platform::http::ServerOptions server_options = platform::service::server_options(startup);
  server_options.health = &health;
  server_options.on_shutdown = [&platform_link] { platform_link.deregister(); };
  platform::http::Server server(std::move(server_options), std::move(router), logger, registry);
  platform_link.start(server.start());
  platform::service::log_ready(startup, server.port());
  server.wait_for_shutdown_signal();
  platform_link.stop();
  relay->stop();  // after the last request: what they committed is published if Redis is up
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
