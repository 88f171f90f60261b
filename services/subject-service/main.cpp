// subject-service: config -> infrastructure -> handlers -> routes -> run.
//
//   subject-service            serve (migrating the database first)
//   subject-service migrate    apply pending migrations and exit

#include "api/subject_api.h"
#include "application/commands.h"
#include "application/queries.h"
#include "infrastructure/sql_subject_repository.h"
#include "infrastructure/subject_event_mapper.h"
#include "platform/config/config.h"
#include "platform/db/database.h"
#include "platform/events/outbox.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/logging/logger.h"
#include "platform/service/platform_link.h"
#include "platform/service/startup.h"

namespace subject_service {
std::vector<platform::core::EmbeddedFile> migration_files();  // generated from migrations/
}

namespace {

constexpr const char* kService = "subject-service";
constexpr std::uint16_t kDefaultPort = 8101;
// The service's own migrations and the event library's outbox and inbox.
std::vector<platform::core::EmbeddedFile> migration_files_with_events() {
  auto files = subject_service::migration_files();
  for (auto& file : platform::events::migration_files()) files.push_back(std::move(file));
  return files;
}

int run(int argc, char** argv) {
  auto started =
      platform::service::start(argc, argv,
                               {.name = kService,
                                .schema = platform::config::common_schema(kService, kDefaultPort),
                                .migrations = migration_files_with_events()});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  const platform::config::Config& config = startup.config;
  platform::logging::Logger& logger = *startup.logger;
  platform::db::Database& database = *startup.database;

  platform::metrics::Registry registry;
  // Events leave through the outbox: committed with each change, published by the relay.
  // Without Redis the service keeps serving; the events wait in the outbox.
  platform::events::OutboxRelay relay(
      database,
      {.stream = subject_service::infrastructure::kSubjectStream,
       // A short command timeout: a hanging Redis shows in readiness within a second
       // (writers never wait on the relay: it calls Redis outside any transaction).
       .redis = {.url = config.get("redis.url"),
                 .command_timeout = std::chrono::milliseconds(1000)},
       .retention = std::chrono::hours(config.get_int("events.outbox_retention_hours")),
       .holder = startup.instance},
      logger, registry);
  relay.start();
  subject_service::infrastructure::SqlSubjectRepository repository(database,
                                                                   [&relay] { relay.notify(); });
  const auto clock = [] { return platform::core::now_utc(); };
  subject_service::application::CreateSubjectHandler create(
      repository, clock, [] { return platform::core::Uuid::v7(); });
  subject_service::application::UpdateSubjectHandler update(repository, clock);
  subject_service::application::DeleteSubjectHandler remove(repository, clock);
  subject_service::application::GetSubjectHandler get(repository);
  subject_service::application::ListSubjectsHandler list(repository);

  platform::http::Health health;
  health.add_check("database", [&] { return database.ping(); });
  health.add_check(
      "broker",
      [&]() -> platform::core::Result<void> {
        if (relay.broker_reachable()) return platform::core::ok();
        return platform::core::Error::unavailable(
            "Redis is unreachable; events wait in the outbox");
      },
      /*critical=*/false);

  platform::http::Router router;
  platform::service::use_platform_middleware(router, startup);
  subject_service::api::add_routes(router, {create, update, remove, get, list});
  platform::http::mount_operational_routes(router, health, registry);

  // With a config-service: registered while serving, deregistered as soon as draining
  // begins (so that peers stop choosing this instance), and dynamic settings applied live.
  platform::service::PlatformLink platform_link(startup);
  platform::http::ServerOptions server_options = platform::service::server_options(config);
  server_options.health = &health;
  server_options.on_shutdown = [&platform_link] { platform_link.deregister(); };
  platform::http::Server server(std::move(server_options), std::move(router), logger, registry);
  platform_link.start(server.start());
  platform::service::log_ready(startup, server.port());
  server.wait_for_shutdown_signal();
  platform_link.stop();
  relay.stop();  // after the last request: what they committed is published if Redis is up
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
