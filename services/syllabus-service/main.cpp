// syllabus-service: config -> infrastructure -> handlers -> routes -> run.
//
//   syllabus-service            serve (migrating the database first)
//   syllabus-service migrate    apply pending migrations and exit

#include <boost/json.hpp>

#include "api/import_api.h"
#include "api/openapi.h"
#include "api/syllabus_api.h"
#include "application/expand.h"
#include "application/syllabus_commands.h"
#include "application/syllabus_queries.h"
#include "infrastructure/backfill.h"
#include "infrastructure/cached_syllabus_repository.h"
#include "infrastructure/migrations.h"
#include "infrastructure/peer_references.h"
#include "infrastructure/reference_events.h"
#include "infrastructure/sql_reference_views.h"
#include "infrastructure/sql_syllabus_repository.h"
#include "infrastructure/syllabus_event_mapper.h"
#include "platform/config/config.h"
#include "platform/events/redis.h"
#include "platform/events/subscriptions.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/service/events.h"
#include "platform/service/legacy_imports.h"
#include "platform/service/observability.h"
#include "platform/service/openapi.h"
#include "platform/service/peers.h"
#include "platform/service/platform_link.h"
#include "platform/service/provider_states.h"
#include "platform/service/startup.h"

namespace {

namespace app = syllabus_service::application;

constexpr const char* kService = "syllabus-service";
constexpr std::uint16_t kDefaultPort = 8103;
const std::vector<std::string> kPeers{"subject-service", "file-service"};

platform::config::Schema settings_schema() {
  auto schema = platform::config::common_schema(kService, kDefaultPort);
  platform::service::add_peer_settings(schema, kPeers);
  schema.add({"syllabus.review_required", "true",
              "Whether a draft must be submitted for review before it is published; false "
              "lets POST /syllabi/{id}/publish publish a draft directly.",
              platform::config::boolean()});
  schema.add({"syllabus.read_cache_ms", "1000",
              "How long a syllabus read from the database is served from memory; this "
              "instance's writes drop it at once, other instances' writes are seen after at "
              "most this long. 0 turns the cache off.",
              platform::config::integer_in(0, 60'000)});
  return schema;
}

int run(int argc, char** argv) {
  auto started =
      platform::service::start(argc, argv,
                               {.name = kService,
                                .schema = settings_schema(),
                                .migrations = syllabus_service::infrastructure::migration_files()});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  const platform::config::Config& config = startup.config;
  platform::logging::Logger& logger = *startup.logger;
  platform::db::Database& database = *startup.database;
  platform::metrics::Registry registry;

  // Infrastructure: the outbox and its relay, the peers through the resilient client.
  auto relay = platform::service::start_outbox_relay(
      startup, syllabus_service::infrastructure::kSyllabusStream, registry);
  syllabus_service::infrastructure::SqlSyllabusRepository store(database,
                                                                [&relay] { relay->notify(); });
  syllabus_service::infrastructure::CachedSyllabusRepository repository(
      store, std::chrono::milliseconds(config.get_int("syllabus.read_cache_ms")));
  store.on_effect([&repository](const platform::core::Uuid& id) { repository.forget(id); });
  platform::service::Peers peers(startup, kPeers, registry);
  syllabus_service::infrastructure::SqlReferenceViews views(database);
  syllabus_service::infrastructure::PeerReferences references(
      peers.client("subject-service"), peers.client("file-service"), views, logger);

  // The read model: the neighbours' events (subscribed before the backfill starts, so
  // that nothing that changes meanwhile is missed) and a backfill, until one has completed
  // for this database.
  platform::events::Subscriptions subscriptions(database,
                                                {.group = kService,
                                                 .consumer = startup.instance,
                                                 .redis = {.url = config.get("redis.url")},
                                                 .tracer = startup.tracer.get()},
                                                logger, registry);
  syllabus_service::infrastructure::subscribe_to_references(subscriptions, views, store);
  subscriptions.start();
  syllabus_service::infrastructure::Backfill backfill(peers.client("subject-service"),
                                                      peers.client("file-service"), views, logger);
  backfill.start();

  // Handlers.
  app::SyllabusCommands commands(
      repository, references, [] { return platform::core::now_utc(); },
      [] { return platform::core::Uuid::v7(); },
      {.review_required = config.get_bool("syllabus.review_required")});
  app::SyllabusQueries queries(repository);
  app::ImportSyllabiHandler import(store, references, [] { return platform::core::Uuid::v7(); });
  app::ReferenceExpander expander(views, references);
  const auto read_model_status = [&]() -> platform::core::Result<std::string> {
    auto summary = views.summary();
    if (!summary) return std::move(summary).error();
    // How far behind each subscription is, in entries: asked of Redis on demand (an
    // operator's page, not a hot path), left out when Redis does not answer.
    std::map<std::string, std::uint64_t> undelivered;
    if (auto redis = platform::events::RedisConnection::connect({.url = config.get("redis.url")})) {
      for (const char* stream : {syllabus_service::infrastructure::kSubjectStream,
                                 syllabus_service::infrastructure::kFileStream}) {
        auto lag = (*redis)->group_lag(stream, kService);
        if (lag && *lag) undelivered[stream] = **lag;
      }
    }
    return syllabus_service::infrastructure::read_model_json(*summary, subscriptions.status(),
                                                             undelivered, backfill);
  };

  // Routes. A peer in trouble makes readiness "degraded", not down: reads and most
  // writes go on.
  platform::http::Health health;
  health.add_check("database", [&] { return database.ping(); });
  platform::service::add_broker_check(health, *relay);
  peers.add_health_checks(health);
  health.add_check(
      "events", [&] { return subscriptions.readiness(); }, /*critical=*/false);
  platform::http::Router router;
  platform::service::use_platform_middleware(router, startup);
  syllabus_service::api::add_routes(
      router, {.commands = commands,
               .queries = queries,
               .expander = expander,
               .read_model_status = read_model_status,
               .anonymous_sees_public_only = startup.identity_keys != nullptr});
  platform::service::add_import_routes(
      router, {.kind = "syllabi",
               .import =
                   [&import](platform::http::Request& request) {
                     return syllabus_service::api::import_syllabi(request, import);
                   },
               .ledger = &database,
               .identity_enforced = startup.identity_keys != nullptr});
  platform::service::add_openapi_route(router, syllabus_service::api::openapi_document());
  // Contract tests only: the provider states of the gateway's pact (syllabus ids are
  // random, so one never made exists nowhere).
  platform::service::ContractTestRoutes contract_routes;
  contract_routes.states["no syllabus exists"] =
      [](std::string_view) -> platform::core::Result<void> { return platform::core::ok(); };
  platform::service::add_contract_test_routes(router, startup, std::move(contract_routes));
  platform::http::mount_operational_routes(router, health, registry);

  // Run.
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
  backfill.stop();
  subscriptions.stop();
  relay->stop();
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
