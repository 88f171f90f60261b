// file-service: config -> infrastructure -> handlers -> routes -> run.
//
//   file-service            serve (migrating the database first)
//   file-service migrate    apply pending migrations and exit

#include <openssl/rand.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "api/file_api.h"
#include "application/commands.h"
#include "application/queries.h"
#include "application/url_signer.h"
#include "domain/content_type.h"
#include "infrastructure/file_event_mapper.h"
#include "infrastructure/local_file_storage.h"
#include "infrastructure/s3/s3_file_storage.h"
#include "infrastructure/sql_file_repository.h"
#include "platform/config/config.h"
#include "platform/core/strings.h"
#include "platform/db/database.h"
#include "platform/events/outbox.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/logging/logger.h"
#include "platform/service/platform_link.h"
#include "platform/service/startup.h"

namespace {

constexpr const char* kService = "file-service";
constexpr std::uint16_t kDefaultPort = 8102;

using platform::config::boolean;
using platform::config::integer_in;
using platform::config::one_of;

platform::config::Schema file_service_schema() {
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
file_service::application::SigningKeyRing random_key_ring() {
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), 32) != 1) {
    throw std::runtime_error("no randomness for a signing key");
  }
  auto ring = file_service::application::SigningKeyRing::create(
      {{.id = "ephemeral", .secret = std::move(secret), .not_after = std::nullopt}});
  if (!ring) throw std::runtime_error("cannot create a signing key");
  return std::move(*ring);
}

// Collects orphaned bytes now and then, on its own thread; stop() ends it promptly.
class OrphanCollector {
 public:
  OrphanCollector(file_service::application::CollectOrphansHandler& handler,
                  std::chrono::seconds interval, platform::logging::Logger& logger,
                  platform::metrics::Registry& registry)
      : handler_(handler),
        interval_(interval),
        logger_(logger),
        collected_(registry.counter("file_orphans_collected_total",
                                    "Stored objects removed because no metadata points at them.")) {
  }
  ~OrphanCollector() { stop(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      auto report = handler_.handle();
      if (!report) {
        logger_.warn("orphan collection failed",
                     {{"error", report.error().detail()}, {"cause", report.error().log_detail()}});
      } else if (report->orphans_removed + report->spool_files_removed > 0) {
        collected_.inc(static_cast<double>(report->orphans_removed));
        logger_.info("orphans collected", {{"objects", report->objects_seen},
                                           {"removed", report->orphans_removed},
                                           {"spool_files_removed", report->spool_files_removed}});
      }
      lock.lock();
    }
  }

  file_service::application::CollectOrphansHandler& handler_;
  std::chrono::seconds interval_;
  platform::logging::Logger& logger_;
  platform::metrics::Counter& collected_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

int bad_setting(std::string_view variable, const platform::core::Error& error) {
  std::fprintf(stderr, "configuration is invalid:\n");
  for (const auto& field : error.field_errors()) {
    std::fprintf(stderr, "  %.*s: %s\n", static_cast<int>(variable.size()), variable.data(),
                 field.message.c_str());
  }
  if (error.field_errors().empty()) {
    std::fprintf(stderr, "  %.*s: %s\n", static_cast<int>(variable.size()), variable.data(),
                 error.detail().c_str());
  }
  return 2;
}

int run(int argc, char** argv) {
  auto started =
      platform::service::start(argc, argv,
                               {.name = kService,
                                .schema = file_service_schema(),
                                .migrations = file_service::infrastructure::migration_files()});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  const platform::config::Config& config = startup.config;
  platform::logging::Logger& logger = *startup.logger;
  platform::db::Database& database = *startup.database;

  // Settings whose checks need more than the schema's validators: like any bad setting,
  // one line each on stderr and exit code 2.
  auto allowlist = file_service::domain::Allowlist::parse(config.get("upload.allowed_types"));
  if (!allowlist) return bad_setting("SYL_UPLOAD_ALLOWED_TYPES", allowlist.error());
  file_service::application::SigningKeyRing ring = random_key_ring();
  if (!config.get("signing.keys").empty()) {
    auto configured = file_service::application::SigningKeyRing::parse(config.get("signing.keys"));
    if (!configured) return bad_setting("SYL_SIGNING_KEYS", configured.error());
    ring = std::move(*configured);
  } else {
    logger.warn(
        "no signing.keys configured: download URLs are signed with a random key and "
        "stop working when this process ends");
  }
  const file_service::application::UrlSigner signer(std::move(ring));

  std::unique_ptr<file_service::application::FileStorage> storage;
  std::filesystem::path spool_directory = config.get("storage.spool_dir");
  if (config.get("storage.backend") == "local") {
    auto local = std::make_unique<file_service::infrastructure::LocalFileStorage>(
        config.get("storage.local.root"));
    if (spool_directory.empty()) spool_directory = local->spool_directory();
    storage = std::move(local);
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
    if (spool_directory.empty()) {
      spool_directory = std::filesystem::path(config.get("storage.local.root")) / "tmp";
    }
    storage = std::move(*s3);
  }
  std::filesystem::create_directories(spool_directory);

  platform::metrics::Registry registry;
  // Events leave through the outbox: committed with each change, published by the relay.
  platform::events::OutboxRelay relay(
      database,
      {.stream = file_service::infrastructure::kFileStream,
       .redis = {.url = config.get("redis.url"),
                 .command_timeout = std::chrono::milliseconds(1000)},
       .retention = std::chrono::hours(config.get_int("events.outbox_retention_hours")),
       .holder = startup.instance},
      logger, registry);
  relay.start();
  file_service::infrastructure::SqlFileRepository repository(database,
                                                             [&relay] { relay.notify(); });
  const auto clock = [] { return platform::core::now_utc(); };
  file_service::application::UploadFileHandler upload(repository, *storage, std::move(*allowlist),
                                                      clock,
                                                      [] { return platform::core::Uuid::v7(); });
  file_service::application::DeleteFileHandler remove(repository, *storage, clock);
  file_service::application::GetFileHandler get(repository);
  file_service::application::CreateDownloadUrlHandler download_url(
      repository, signer, clock,
      {.max_ttl = std::chrono::seconds(config.get_int("download.max_ttl_seconds")),
       .base_url = config.get("download.base_url")});
  file_service::application::OpenContentHandler content(repository, *storage, signer, clock);
  file_service::application::CollectOrphansHandler collect(
      repository, *storage, spool_directory,
      std::chrono::seconds(config.get_int("storage.orphan_grace_seconds")), clock);

  platform::http::Health health;
  health.add_check("database", [&] { return database.ping(); });
  health.add_check("storage", [&] { return storage->check(); });
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
  file_service::api::add_routes(
      router, {upload, remove, get, download_url, content},
      {.max_bytes = static_cast<std::uint64_t>(config.get_int("upload.max_bytes")),
       .spool_directory = spool_directory,
       .default_ttl_seconds = config.get_int("download.default_ttl_seconds")},
      registry);
  platform::http::mount_operational_routes(router, health, registry);

  OrphanCollector collector(collect,
                            std::chrono::seconds(config.get_int("storage.gc_interval_seconds")),
                            logger, registry);
  collector.start();

  // With a config-service: registered while serving, deregistered as soon as draining
  // begins, dynamic settings applied live.
  platform::service::PlatformLink platform_link(startup);
  platform::http::ServerOptions server_options = platform::service::server_options(config);
  server_options.health = &health;
  server_options.on_shutdown = [&platform_link] { platform_link.deregister(); };
  platform::http::Server server(std::move(server_options), std::move(router), logger, registry);
  platform_link.start(server.start());
  logger.info("storage", {{"backend", std::string(storage->backend())},
                          {"spool_dir", spool_directory.string()}});
  platform::service::log_ready(startup, server.port());
  server.wait_for_shutdown_signal();
  collector.stop();
  platform_link.stop();
  relay.stop();
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
