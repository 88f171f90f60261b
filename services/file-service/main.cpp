// file-service: config -> infrastructure -> handlers -> routes -> run.
//
//   file-service            serve (migrating the database first)
//   file-service migrate    apply pending migrations and exit

#include <chrono>
#include <filesystem>
#include <memory>
#include <utility>

#include "api/contract_test_routes.h"
#include "api/file_api.h"
#include "api/import_api.h"
#include "api/openapi.h"
#include "application/collect_orphans.h"
#include "infrastructure/file_event_mapper.h"
#include "infrastructure/local_file_storage.h"
#include "infrastructure/migrations.h"
#include "infrastructure/s3/s3_file_storage.h"
#include "infrastructure/sql_file_repository.h"
#include "platform/config/config.h"
#include "platform/core/background_task.h"
#include "platform/core/crypto.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/service/events.h"
#include "platform/service/observability.h"
#include "platform/service/openapi.h"
#include "platform/service/platform_link.h"
#include "platform/service/startup.h"

namespace {

namespace app = file_service::application;

constexpr const char* kService = "file-service";
constexpr std::uint16_t kDefaultPort = 8102;

using platform::config::boolean;
using platform::config::integer_in;
using platform::config::one_of;

// The service's settings: the shared ones, storage, uploads, downloads and signing keys.
platform::config::Schema settings_schema() {
  auto schema = platform::config::common_schema(kService, kDefaultPort);
  // Uploads stream in on a pool of their own (http.max_streamed_requests); workers serve
  // metadata, open downloads and, with S3, read download bodies piece by piece.
  schema.set_default("worker_threads", "4");
  // Uploads at once before 503 + Retry-After: each holds an idle-waiting thread, cheap.
  schema.set_default("http.max_streamed_requests", "64");
  schema
      .add({"storage.backend", "local", "Where file bytes are kept: local or s3.",
            one_of({"local", "s3"})})
      .add({"storage.local.root", "var/files", "Directory of the local backend.",
            platform::config::non_empty()})
      .add({"storage.spool_dir", "",
            "Directory for uploads in progress; empty: <storage.local.root>/tmp."})
      .add({"storage.s3.endpoint", "",
            "S3 endpoint URL, e.g. https://s3.eu-central-1.amazonaws.com."})
      .add({"storage.s3.bucket", "", "S3 bucket."})
      .add({"storage.s3.region", "us-east-1", "S3 region (part of the signature)."})
      .add({"storage.s3.access_key_id", "", "S3 access key id."})
      .add({"storage.s3.secret_access_key", "", "S3 secret access key.", {}, false, true})
      .add({"storage.s3.path_style", "true", "Path-style addressing (/bucket/key).", boolean()})
      .add({"storage.s3.create_bucket", "false", "Create the bucket at start-up when absent.",
            boolean()})
      .add({"storage.s3.key_prefix", "",
            "Prepended to every object key (\"files/\"): several services or environments can "
            "share a bucket."})
      .add({"storage.s3.ca_file", "",
            "PEM file of the CAs trusted for an https endpoint instead of the system's store."})
      .add({"storage.s3.connect_timeout_ms", "5000",
            "Time allowed to connect to the object store (DNS, TCP, TLS).",
            integer_in(100, 600000)})
      .add({"storage.s3.timeout_ms", "30000",
            "Deadline of one object store call; uploads get a second more per MiB.",
            integer_in(100, 3600000)})
      .add({"storage.s3.max_connections", "64", "Connections to the object store at most.",
            integer_in(1, 4096)})
      .add({"storage.orphan_grace_seconds", "3600",
            "Bytes without metadata younger than this are left alone (uploads in progress).",
            integer_in(60, 7 * 24 * 3600)})
      .add({"storage.gc_interval_seconds", "600", "How often orphaned bytes are collected.",
            integer_in(1, 7 * 24 * 3600)})
      .add({"upload.max_bytes", "52428800", "Largest file accepted (413 above).",
            integer_in(1, std::int64_t{1} << 40)})
      .add({"upload.allowed_types", "pdf,docx,odt,txt,md,png,jpeg",
            "File types accepted, decided from the bytes."})
      .add({"download.default_ttl_seconds", "300", "Lifetime of a download URL without ?ttl=.",
            integer_in(1, 7 * 24 * 3600)})
      .add({"download.max_ttl_seconds", "3600", "Longest lifetime of a download URL.",
            integer_in(1, 7 * 24 * 3600)})
      .add({"download.base_url", "",
            "Prefix of download URLs (the gateway's public address); empty: path only."})
      .add({"signing.keys",
            "",
            "Download URL keys: kid:base64secret[:not_after],...; the first signs. Empty: a "
            "random key per process (links die with it).",
            {},
            false,
            true});
  return schema;
}

// A ring with one random key, for a development instance without configured keys.
app::SigningKeyRing random_key_ring() {
  auto ring =
      app::SigningKeyRing::create({{.id = "ephemeral",
                                    .secret = platform::core::random_bytes(app::kMinSecretBytes),
                                    .not_after = std::nullopt}});
  if (!ring) throw std::runtime_error("cannot create a signing key");
  return std::move(*ring);
}

// The orphan collector's step: collects, logs and counts what it removed. The first step
// only waits, so that a restart does not list the whole storage at once.
platform::core::BackgroundTask::Step collect_orphans(app::CollectOrphansHandler& handler,
                                                     std::chrono::seconds interval,
                                                     platform::logging::Logger& logger,
                                                     platform::metrics::Registry& registry) {
  platform::metrics::Counter& collected = registry.counter(
      "file_orphans_collected_total", "Stored objects removed because no metadata points at them.");
  return [&handler, interval, &logger, &collected,
          first = true](platform::core::BackgroundTask&) mutable -> platform::core::Pause {
    if (std::exchange(first, false)) return interval;
    auto report = handler.handle();
    if (!report) {
      logger.warn("orphan collection failed",
                  {{"error", report.error().detail()}, {"cause", report.error().log_detail()}});
    } else if (report->orphans_removed + report->spool_files_removed > 0) {
      collected.inc(static_cast<double>(report->orphans_removed));
      logger.info("orphans collected", {{"objects", report->objects_seen},
                                        {"removed", report->orphans_removed},
                                        {"spool_files_removed", report->spool_files_removed}});
    }
    return interval;
  };
}

struct Storage {
  std::unique_ptr<app::FileStorage> backend;
  std::filesystem::path spool_directory;  // where uploads arrive, created
};

// The storage backend the settings choose, and the spool directory beside it. Throws
// (start-up fails with the reason) when S3 is misconfigured or its bucket cannot be made.
Storage open_storage(const platform::config::Config& config) {
  Storage storage;
  storage.spool_directory = config.get("storage.spool_dir");
  if (config.get("storage.backend") == "local") {
    auto local = std::make_unique<file_service::infrastructure::LocalFileStorage>(
        config.get("storage.local.root"));
    if (storage.spool_directory.empty()) storage.spool_directory = local->spool_directory();
    storage.backend = std::move(local);
  } else {
    auto s3 = file_service::infrastructure::s3::S3FileStorage::create(
        {.endpoint = config.get("storage.s3.endpoint"),
         .bucket = config.get("storage.s3.bucket"),
         .region = config.get("storage.s3.region"),
         .access_key_id = config.get("storage.s3.access_key_id"),
         .secret_access_key = config.get("storage.s3.secret_access_key"),
         .path_style = config.get_bool("storage.s3.path_style"),
         .key_prefix = config.get("storage.s3.key_prefix"),
         .connect_timeout =
             std::chrono::milliseconds(config.get_int("storage.s3.connect_timeout_ms")),
         .request_timeout = std::chrono::milliseconds(config.get_int("storage.s3.timeout_ms")),
         .ca_file = config.get("storage.s3.ca_file"),
         .max_connections =
             static_cast<std::size_t>(config.get_int("storage.s3.max_connections"))});
    if (!s3) throw std::runtime_error("storage.s3: " + s3.error().detail());
    if (config.get_bool("storage.s3.create_bucket")) {
      if (auto created = (*s3)->create_bucket_if_absent(); !created) {
        throw std::runtime_error("cannot create the S3 bucket: " + created.error().detail() + " " +
                                 created.error().log_detail());
      }
    }
    if (storage.spool_directory.empty())
      storage.spool_directory = std::filesystem::path(config.get("storage.local.root")) / "tmp";
    storage.backend = std::move(*s3);
  }
  std::filesystem::create_directories(storage.spool_directory);
  return storage;
}

int run(int argc, char** argv) {
  auto started =
      platform::service::start(argc, argv,
                               {.name = kService,
                                .schema = settings_schema(),
                                .migrations = file_service::infrastructure::migration_files()});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  const platform::config::Config& config = startup.config;
  platform::logging::Logger& logger = *startup.logger;
  platform::db::Database& database = *startup.database;
  platform::metrics::Registry registry;

  // Settings whose checks need more than the schema's validators: like any bad setting,
  // one line each on stderr and exit code 2.
  auto allowlist = file_service::domain::Allowlist::parse(config.get("upload.allowed_types"));
  if (!allowlist)
    return platform::service::exit_invalid_setting("SYL_UPLOAD_ALLOWED_TYPES", allowlist.error());
  app::SigningKeyRing ring = random_key_ring();
  if (!config.get("signing.keys").empty()) {
    auto configured = app::SigningKeyRing::parse(config.get("signing.keys"));
    if (!configured)
      return platform::service::exit_invalid_setting("SYL_SIGNING_KEYS", configured.error());
    ring = std::move(*configured);
  } else {
    logger.warn(
        "no signing.keys configured: download URLs are signed with a random key and "
        "stop working when this process ends");
  }
  const app::UrlSigner signer(std::move(ring));

  // Infrastructure. Events leave through the outbox: committed with each change,
  // published by the relay; without Redis the service keeps serving.
  Storage storage = open_storage(config);
  auto relay = platform::service::start_outbox_relay(
      startup, file_service::infrastructure::kFileStream, registry);
  file_service::infrastructure::SqlFileRepository repository(database,
                                                             [&relay] { relay->notify(); });

  // Handlers.
  const auto clock = [] { return platform::core::now_utc(); };
  app::UploadFileHandler upload(repository, *storage.backend, *allowlist, clock,
                                [] { return platform::core::Uuid::v7(); });
  app::ImportFileHandler import(repository, *storage.backend, *allowlist,
                                [] { return platform::core::Uuid::v7(); });
  app::DeleteFileHandler remove(repository, *storage.backend, clock);
  app::GetFileHandler get(repository);
  app::ListFilesHandler list(repository);
  app::CreateDownloadUrlHandler download_url(
      repository, signer, clock,
      {.max_ttl = std::chrono::seconds(config.get_int("download.max_ttl_seconds")),
       .base_url = config.get("download.base_url")});
  app::OpenContentHandler content(repository, *storage.backend, signer, clock);
  app::CollectOrphansHandler collect(
      repository, *storage.backend, storage.spool_directory,
      std::chrono::seconds(config.get_int("storage.orphan_grace_seconds")), clock);

  // Routes.
  platform::http::Health health;
  health.add_check("database", [&] { return database.ping(); });
  health.add_check("storage", [&] { return storage.backend->check(); });
  platform::service::add_broker_check(health, *relay);
  platform::http::Router router;
  platform::service::use_platform_middleware(router, startup);
  const file_service::api::UploadOptions upload_options{
      .max_bytes = static_cast<std::uint64_t>(config.get_int("upload.max_bytes")),
      .spool_directory = storage.spool_directory,
      .default_ttl_seconds = config.get_int("download.default_ttl_seconds")};
  file_service::api::add_routes(router, {upload, remove, get, download_url, content, list},
                                upload_options, registry);
  file_service::api::add_import_routes(router, import, content, upload_options, &database,
                                       startup.identity_keys != nullptr);
  platform::service::add_openapi_route(router, file_service::api::openapi_document());
  platform::service::add_contract_test_routes(
      router, startup,
      file_service::api::contract_test_routes(repository, *storage.backend, *allowlist, clock,
                                              storage.spool_directory));
  platform::http::mount_operational_routes(router, health, registry);

  // Background tasks.
  platform::core::BackgroundTask collector(
      "orphan-collector",
      collect_orphans(collect, std::chrono::seconds(config.get_int("storage.gc_interval_seconds")),
                      logger, registry),
      platform::service::background_task_options(logger));
  collector.start();

  // Run. With a config-service: registered while serving, deregistered as soon as
  // draining begins (so that peers stop choosing this instance), dynamic settings live.
  platform::service::PlatformLink platform_link(startup);
  platform::service::instrument(startup, registry, health, &platform_link);
  platform::http::ServerOptions server_options = platform::service::server_options(startup);
  server_options.health = &health;
  server_options.on_shutdown = [&platform_link] { platform_link.deregister(); };
  platform::http::Server server(std::move(server_options), std::move(router), logger, registry);
  platform_link.start(server.start());
  logger.info("storage", {{"backend", std::string(storage.backend->backend())},
                          {"spool_dir", storage.spool_directory.string()}});
  platform::service::log_ready(startup, server.port());
  server.wait_for_shutdown_signal();
  platform_link.stop();
  collector.stop();
  relay->stop();  // after the last request: what they committed is published if Redis is up
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
