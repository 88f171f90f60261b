// subject-service: config -> infrastructure -> handlers -> routes -> run.
//
//   subject-service            serve (migrating the database first)
//   subject-service migrate    apply pending migrations and exit
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>

#include "api/subject_api.h"
#include "application/commands.h"
#include "application/queries.h"
#include "infrastructure/sql_subject_repository.h"
#include "infrastructure/subject_event_mapper.h"
#include "platform/config/config.h"
#include "platform/db/database.h"
#include "platform/db/migrations.h"
#include "platform/discovery/discovery.h"
#include "platform/events/outbox.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/logging/logger.h"

namespace subject_service {
std::vector<platform::core::EmbeddedFile> migration_files();  // generated from migrations/
}

namespace {

constexpr const char* kService = "subject-service";
constexpr std::uint16_t kDefaultPort = 8101;
constexpr const char* kUsage =
    "usage: subject-service [serve|migrate]\n"
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
  const platform::config::Schema schema = platform::config::common_schema(kService, kDefaultPort);
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
  std::vector<platform::core::EmbeddedFile> migrations = subject_service::migration_files();
  for (auto& file : platform::events::migration_files()) migrations.push_back(std::move(file));
  auto migrated = platform::db::migrate(**database, migrations);
  if (!migrated) {
    logger.error("cannot migrate the database",
                 {{"error", migrated.error().detail()}, {"cause", migrated.error().log_detail()}});
    return 1;
  }
  logger.info("database ready", {{"url", (*database)->display_url()},
                                 {"migrations_applied", migrated->applied},
                                 {"schema_version", migrated->current_version}});
  if (command == "migrate") return 0;

  platform::metrics::Registry registry;
  // Events leave through the outbox: committed with each change, published by the relay.
  // Without Redis the service keeps serving; the events wait in the outbox.
  platform::events::OutboxRelay relay(
      **database,
      {.stream = subject_service::infrastructure::kSubjectStream,
       // A short command timeout: on SQLite the relay holds the write lock while it
       // publishes, so a hanging Redis must not stall writers for long.
       .redis = {.url = config->get("redis.url"),
                 .command_timeout = std::chrono::milliseconds(1000)},
       .retention = std::chrono::hours(config->get_int("events.outbox_retention_hours"))},
      logger, registry);
  relay.start();
  subject_service::infrastructure::SqlSubjectRepository repository(**database,
                                                                   [&relay] { relay.notify(); });
  const auto clock = [] { return platform::core::now_utc(); };
  subject_service::application::CreateSubjectHandler create(
      repository, clock, [] { return platform::core::Uuid::v7(); });
  subject_service::application::UpdateSubjectHandler update(repository, clock);
  subject_service::application::DeleteSubjectHandler remove(repository, clock);
  subject_service::application::GetSubjectHandler get(repository);
  subject_service::application::ListSubjectsHandler list(repository);

  platform::http::Health health;
  health.add_check("database", [&] { return (*database)->ping(); });
  health.add_check(
      "broker",
      [&]() -> platform::core::Result<void> {
        if (relay.broker_reachable()) return platform::core::ok();
        return platform::core::Error::unavailable(
            "Redis is unreachable; events wait in the outbox");
      },
      /*critical=*/false);

  platform::http::Router router;
  subject_service::api::add_routes(router, {create, update, remove, get, list});
  platform::http::mount_operational_routes(router, health, registry);

  // With a config-service: registered while serving, deregistered as soon as draining
  // begins (so that peers stop choosing this instance), and dynamic settings applied live.
  const std::string config_service = config->get("config_service.url");
  std::unique_ptr<platform::discovery::Registration> registration;
  std::unique_ptr<platform::discovery::DynamicSettings> dynamic_settings;

  platform::http::Server server(
      {.host = config->get("http.host"),
       .port = static_cast<std::uint16_t>(config->get_int("http.port")),
       .io_threads = static_cast<int>(config->get_int("http.io_threads")),
       .worker_threads = static_cast<int>(config->get_int("worker_threads")),
       .max_body_bytes = static_cast<std::size_t>(config->get_int("http.max_body_bytes")),
       .read_timeout = std::chrono::milliseconds(config->get_int("http.read_timeout_ms")),
       .idle_timeout = std::chrono::milliseconds(config->get_int("http.idle_timeout_ms")),
       .shutdown_timeout = std::chrono::milliseconds(config->get_int("http.shutdown_timeout_ms")),
       .on_shutdown =
           [&registration] {
             if (registration) registration->stop();
           }},
      std::move(router), logger, registry);
  server.start();
  if (!config_service.empty()) {
    registration = std::make_unique<platform::discovery::Registration>(
        platform::discovery::InstanceInfo{
            .service = kService,
            .instance_id = instance,
            .url = "http://" + config->get("http.host") + ":" + std::to_string(server.port()),
            .version = "0.1.0"},
        platform::discovery::RegistrationOptions{.config_service_url = config_service}, logger);
    registration->start();
    dynamic_settings = std::make_unique<platform::discovery::DynamicSettings>(
        config_service, kService, "default", schema, logger);
    dynamic_settings->on_change("log.level", [&logger](const std::string& value) {
      if (auto level = platform::logging::parse_level(value)) logger.set_level(*level);
    });
    dynamic_settings->start();
  }
  const auto ready_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  logger.info("ready", {{"port", server.port()}, {"startup_ms", ready_ms}});
  server.wait_for_shutdown_signal();
  if (dynamic_settings) dynamic_settings->stop();
  relay.stop();  // after the last request: what they committed is published if Redis is up
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Start-up is the one place where exceptions are expected (bind errors and the like).
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "subject-service: %s\n", e.what());
    return 1;
  }
}
