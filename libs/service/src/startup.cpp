#include "platform/service/startup.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>

#include "platform/core/uuid.h"
#include "platform/db/migrations.h"
#include "platform/db/schema_check.h"
#include "platform/http/client.h"
#include "platform/service/tracing.h"

namespace platform::service {
namespace {

std::string usage(const std::string& name) {
  return "usage: " + name +
         " [serve|migrate [--verify|--check-compatible]|probe]\n"
         "  serve             migrate the database, then serve HTTP until SIGTERM (default)\n"
         "  migrate           apply pending database migrations and exit\n"
         "  migrate --verify  check, changing nothing, that the live schema is exactly what\n"
         "                    the migrations make and that no applied one was edited;\n"
         "                    exit 1 naming each difference otherwise\n"
         "  migrate --check-compatible\n"
         "                    list the migrations this release would apply; exit 1 when\n"
         "                    one would break the release running now (a DROP, RENAME,\n"
         "                    type change or new NOT NULL column: expand/contract)\n"
         "  probe             exit 0 when this service, as configured, answers its\n"
         "                    /health/live on loopback within 2 s (a container's HEALTHCHECK)\n"
         "Settings come from SYL_* environment variables and the YAML file named by\n"
         "SYL_CONFIG_FILE; see README.md.\n";
}

// The error for serving without the platform token where it is needed, or nullopt.
std::optional<core::Error> missing_platform_token(const config::Config& config,
                                                  const Description& description) {
  if (!config.get("platform.token").empty()) return std::nullopt;
  std::string why;
  if (description.requires_platform_token) {
    why =
        "is required: the config-service accepts registry and configuration writes only "
        "with it";
  } else if (!config.get("config_service.url").empty()) {
    why =
        "is required with SYL_CONFIG_SERVICE_URL: the config-service accepts "
        "registrations and settings schemas only with it";
  } else {
    return std::nullopt;
  }
  return core::Error::invalid_fields(
      {{config::environment_name("platform.token"),
        why + " (at least " + std::to_string(config::kMinPlatformTokenLength) +
            " characters; `sylctl up` makes one per platform)"}});
}

// `probe`: GET /health/live of this service's port on loopback.
int probe(const config::Config& config) {
  http::Client client(http::ClientOptions{.connect_timeout = std::chrono::milliseconds(1000),
                                          .request_timeout = std::chrono::milliseconds(2000),
                                          .user_agent = "probe"});
  const std::string url = "http://127.0.0.1:" + config.get("http.port") + "/health/live";
  auto response = client.send({.method = "GET", .url = url});
  if (!response) {
    std::fprintf(stderr, "probe: %s: %s\n", url.c_str(), response.error().detail().c_str());
    return 1;
  }
  if (response->status / 100 != 2) {
    std::fprintf(stderr, "probe: %s answered %d\n", url.c_str(), response->status);
    return 1;
  }
  return 0;
}

// `migrate --verify`: the verdict on stdout, each difference on its own line.
int verify_schema(const std::string& url, const std::vector<core::EmbeddedFile>& migrations) {
  auto check = db::verify_schema(url, migrations);
  if (!check) {
    std::fprintf(stderr, "cannot verify the schema: %s\n", check.error().detail().c_str());
    return 1;
  }
  if (check->ok()) {
    std::printf(
        "schema verified: every migration applied unchanged (version %d), the live "
        "schema exactly what they make\n",
        check->applied_version);
    return 0;
  }
  std::printf("schema differs from this release's migrations:\n");
  for (const auto& problem : check->problems) std::printf("  %s\n", problem.c_str());
  return 1;
}

// `migrate --check-compatible`: what this release would apply, and whether the release
// running now keeps working on the result (sylctl deploy asks before starting it).
int check_compatible(db::Database& database, const std::vector<core::EmbeddedFile>& migrations) {
  auto pending = db::pending_migrations(database, migrations);
  if (!pending) {
    std::fprintf(stderr, "cannot read the applied migrations: %s\n",
                 pending.error().detail().c_str());
    return 1;
  }
  bool compatible = true;
  for (const auto& migration : *pending) compatible = compatible && migration.breaking.empty();
  if (pending->empty()) {
    std::printf("no migration to apply: the schema stays as it is\n");
    return 0;
  }
  std::printf("%zu migration%s to apply, %s:\n", pending->size(), pending->size() == 1 ? "" : "s",
              compatible ? "each only adding (the running release keeps working)"
                         : "some would break the running release (split them: expand now, "
                           "contract in a later release)");
  for (const auto& migration : *pending) {
    std::printf("  %04d_%s%s\n", migration.version, migration.name.c_str(),
                migration.breaking.empty() ? "" : ": breaks the running release");
    for (const auto& statement : migration.breaking) std::printf("    %s\n", statement.c_str());
  }
  return compatible ? 0 : 1;
}

}  // namespace

std::variant<Startup, int> start(int argc, char** argv, Description description) {
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(usage(description.name).c_str(), stdout);
    return 0;
  }
  if (command != "serve" && command != "migrate" && command != "probe") {
    std::fprintf(stderr, "unknown command: %s\n%s", command.c_str(),
                 usage(description.name).c_str());
    return 2;
  }
  const bool verify = command == "migrate" && argc > 2 && std::string(argv[2]) == "--verify";
  const bool check =
      command == "migrate" && argc > 2 && std::string(argv[2]) == "--check-compatible";
  if (argc > (verify || check ? 3 : 2)) {
    std::fprintf(stderr, "unexpected argument: %s\n%s", argv[verify || check ? 3 : 2],
                 usage(description.name).c_str());
    return 2;
  }

  const auto started = std::chrono::steady_clock::now();
  auto config = config::load(description.schema, config::environment_from(environ));
  if (!config) {
    std::fputs(config::format_errors(config.error()).c_str(), stderr);
    return 2;
  }
  if (command == "probe") return probe(*config);
  if (command == "serve") {
    if (auto missing = missing_platform_token(*config, description)) {
      std::fputs(config::format_errors(*missing).c_str(), stderr);
      return 2;
    }
  }
  std::shared_ptr<const http::IdentityKeys> identity_keys;
  if (const std::string& ring = config->get("gateway.identity_keys"); !ring.empty()) {
    auto keys = http::IdentityKeys::parse(ring);
    if (!keys) return exit_invalid_setting("SYL_GATEWAY_IDENTITY_KEYS", keys.error());
    identity_keys = std::make_shared<const http::IdentityKeys>(std::move(*keys));
  }
  std::string instance = config->get("instance.id");
  if (instance.empty())
    instance = description.name + "-" + core::Uuid::v4().to_string().substr(0, 8);
  auto logger = std::make_unique<logging::Logger>(description.name, instance,
                                                  *logging::parse_level(config->get("log.level")));
  if (verify) return verify_schema(config->get("database.url"), description.migrations);

  auto database = db::Database::open(
      {.url = config->get("database.url"),
       .pool_size = static_cast<std::size_t>(config->get_int("database.pool_size"))});
  if (!database) {
    logger->error("cannot open the database", {{"error", database.error().detail()}});
    return 1;
  }
  if (check) return check_compatible(**database, description.migrations);
  auto migrated = db::migrate(**database, description.migrations);
  if (!migrated) {
    logger->error("cannot migrate the database",
                  {{"error", migrated.error().detail()}, {"cause", migrated.error().log_detail()}});
    return 1;
  }
  logger->info("database ready", {{"url", (*database)->display_url()},
                                  {"migrations_applied", migrated->applied},
                                  {"schema_version", migrated->current_version}});
  if (command == "migrate") return 0;

  auto tracer = make_tracer(*config, *logger);
  return Startup{std::move(description.name),
                 std::move(instance),
                 std::move(description.schema),
                 std::move(*config),
                 std::move(logger),
                 std::move(*database),
                 std::move(identity_keys),
                 started,
                 std::move(tracer)};
}

http::ServerOptions server_options(const config::Config& config) {
  return {
      .host = config.get("http.host"),
      .port = static_cast<std::uint16_t>(config.get_int("http.port")),
      .io_threads = static_cast<int>(config.get_int("http.io_threads")),
      .worker_threads = static_cast<int>(config.get_int("worker_threads")),
      .max_body_bytes = static_cast<std::size_t>(config.get_int("http.max_body_bytes")),
      .read_timeout = std::chrono::milliseconds(config.get_int("http.read_timeout_ms")),
      .idle_timeout = std::chrono::milliseconds(config.get_int("http.idle_timeout_ms")),
      .max_connections = static_cast<std::size_t>(config.get_int("http.max_connections")),
      .max_streamed_requests =
          static_cast<std::size_t>(config.get_int("http.max_streamed_requests")),
      .body_timeout = std::chrono::milliseconds(config.get_int("http.body_timeout_ms")),
      .min_body_rate = static_cast<std::uint64_t>(config.get_int("http.min_body_rate")),
      .drain_delay = std::chrono::milliseconds(config.get_int("http.drain_delay_ms")),
      .shutdown_timeout = std::chrono::milliseconds(config.get_int("http.shutdown_timeout_ms"))};
}

http::ServerOptions server_options(const Startup& startup) {
  http::ServerOptions options = server_options(startup.config);
  options.tracer = startup.tracer.get();
  return options;
}

int exit_invalid_setting(std::string_view variable, const core::Error& error) {
  std::vector<core::FieldError> problems;
  for (const auto& field : error.field_errors())
    problems.push_back({std::string(variable), field.message});
  if (problems.empty()) problems.push_back({std::string(variable), error.detail()});
  std::fputs(config::format_errors(core::Error::invalid_fields(std::move(problems))).c_str(),
             stderr);
  return 2;
}

core::BackgroundTask::Options background_task_options(logging::Logger& logger) {
  return {.on_exception = [&logger](std::string_view task, std::string_view what) {
    logger.error("background task failed", {{"task", task}, {"error", what}});
  }};
}

void use_platform_middleware(http::Router& router, const Startup& startup) {
  if (!startup.identity_keys) {
    startup.logger->info(
        "no gateway.identity_keys: X-User-* headers are ignored, every caller is anonymous");
  }
  router.use(http::identity_middleware(startup.identity_keys));
  const auto fault_percent =
      static_cast<std::uint64_t>(startup.config.get_int("test.fault_error_percent"));
  if (fault_percent == 0) return;
  // A version that fails a share of its calls, made on purpose: what a deploy's canary
  // analysis must catch (sylctl deploy rolls it back). Operations answer as ever, so the
  // instance still looks healthy to probes, as a real bad version would.
  startup.logger->warn("test.fault_error_percent is set: failing API requests on purpose",
                       {{"percent", static_cast<std::int64_t>(fault_percent)}});
  auto calls = std::make_shared<std::atomic<std::uint64_t>>(0);
  router.use({.on_request =
                  [calls, fault_percent](http::Request& request) -> std::optional<http::Response> {
    const std::string_view path = request.path;
    if (path.starts_with("/health") || path == "/metrics" || path == "/openapi.json")
      return std::nullopt;
    const std::uint64_t n = calls->fetch_add(1) % 100;
    if ((n + 1) * fault_percent / 100 == n * fault_percent / 100) return std::nullopt;
    return http::Response::problem(
        core::Error::internal("a fault injected by test.fault_error_percent"), request);
  }});
}

void log_ready(const Startup& startup, std::uint16_t port) {
  const auto ready_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - startup.started)
          .count();
  startup.logger->info("ready", {{"port", port}, {"startup_ms", ready_ms}});
}

int guarded_main(const char* name, int (*run)(int, char**), int argc, char** argv) {
  // Start-up is the one place where exceptions are expected (bind errors and the like).
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace platform::service
