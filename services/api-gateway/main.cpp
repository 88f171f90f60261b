// api-gateway: config -> routes, keys, limiter, upstreams -> the proxy -> run.
//
//   api-gateway            serve on port 8080: every public request of the platform

#include <fstream>
#include <sstream>

#include "api/docs.h"
#include "api/proxy.h"
#include "infrastructure/limits.h"
#include "infrastructure/route_file.h"
#include "infrastructure/token_keys.h"
#include "infrastructure/upstreams.h"
#include "platform/config/config.h"
#include "platform/core/background_task.h"
#include "platform/http/health.h"
#include "platform/http/server.h"
#include "platform/ratelimit/limiter.h"
#include "platform/ratelimit/redis_limiter.h"
#include "platform/service/observability.h"
#include "platform/service/platform_link.h"
#include "platform/service/startup.h"

namespace {

namespace api = api_gateway::api;
namespace infrastructure = api_gateway::infrastructure;
using platform::config::boolean;
using platform::config::integer_in;
using platform::config::one_of;

constexpr const char* kService = "api-gateway";
constexpr std::uint16_t kDefaultPort = 8080;
const std::vector<std::string> kUpstreams{"subject-service", "file-service", "syllabus-service"};

platform::config::Schema settings_schema() {
  auto schema = platform::config::common_schema(kService, kDefaultPort);
  platform::service::add_peer_settings(schema, kUpstreams);
  // A proxy holds a call per request in flight and a thread per streamed body.
  schema.set_default("peers.timeout_ms", "30000")
      .set_default("peers.attempt_timeout_ms", "30000")
      .set_default("peers.max_attempts", "2")
      .set_default("peers.max_concurrent_calls", "4096")
      .set_default("peers.max_connections_per_host", "256")
      .set_default("peers.max_idle_connections_per_host", "256")
      .set_default("http.max_streamed_requests", "256");
  schema
      .add({"gateway.routes_file", "",
            "A routes document (YAML) replacing the built-in routes; see the README."})
      .add({"gateway.routes",
            "",
            "A routes document set in the config-service: applied live, replacing the file's "
            "(a document that does not check out is refused and the routes stay).",
            {},
            /*dynamic=*/true})
      .add({"gateway.behind_tls", "false",
            "Whether clients reach the gateway over TLS (a terminating proxy in front): "
            "answers then carry HSTS and X-Forwarded-Proto is https.",
            boolean()})
      .add({"gateway.trust_forwarded_headers", "false",
            "Keep the client's X-Forwarded-* (only behind a proxy you run); else they are "
            "replaced.",
            boolean()})
      .add({"gateway.docs_dir", "",
            "The swagger-ui-dist folder GET /docs serves its files from (the install script "
            "puts it under tools/swagger-ui/node_modules)."})
      .add({"gateway.gzip", "true", "gzip JSON answers for clients that accept it.", boolean()})
      .add({"gateway.stale_cache_bytes", "67108864",
            "Memory for the last good answers of cacheable routes (stale-if-error).",
            integer_in(0, std::int64_t{1} << 34)})
      .add({"auth.jwt_secret",
            "",
            "HS256 shared secret for bearer tokens (at least 32 bytes).",
            {},
            false,
            true})
      .add({"auth.jwks_file", "",
            "A JWKS file of RS256/ES256 (and HS256) keys; re-read when it changes."})
      .add({"auth.issuer", "syllabus-platform", "The `iss` every token must carry."})
      .add({"auth.audience", "syllabus-platform", "The `aud` every token must include."})
      .add({"auth.leeway_seconds", "30", "Clock skew allowed on exp and nbf.", integer_in(0, 600)})
      .add({"ratelimit.default_rps", "50", "Requests per second per caller (default policy).",
            integer_in(1, 1'000'000)})
      .add({"ratelimit.default_burst", "100", "Burst per caller (default policy).",
            integer_in(1, 1'000'000)})
      .add({"ratelimit.backend", "memory",
            "memory (one replica) or redis (replicas share the limits through redis.url).",
            one_of({"memory", "redis"})})
      .add({"ratelimit.fail_mode", "local",
            "When Redis cannot be reached: open (allow), closed (refuse with 503) or local "
            "(each replica limits alone).",
            one_of({"open", "closed", "local"})});
  return schema;
}

// The routes to start with: the file's, else the built-in ones.
platform::core::Result<std::string> initial_routes(const platform::config::Config& config) {
  const std::string& file = config.get("gateway.routes_file");
  if (file.empty()) return infrastructure::default_routes();
  std::ifstream in(file);
  if (!in)
    return platform::core::Error::invalid_argument("gateway.routes_file", "cannot read " + file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run(int argc, char** argv) {
  auto started =
      platform::service::start(argc, argv, {.name = kService, .schema = settings_schema()});
  if (const int* exit_code = std::get_if<int>(&started)) return *exit_code;
  platform::service::Startup& startup = std::get<platform::service::Startup>(started);
  const platform::config::Config& config = startup.config;
  platform::logging::Logger& logger = *startup.logger;
  platform::metrics::Registry registry;

  // Routes.
  const infrastructure::RouteDefaults defaults{
      .default_rps = static_cast<double>(config.get_int("ratelimit.default_rps")),
      .default_burst = static_cast<std::uint32_t>(config.get_int("ratelimit.default_burst"))};
  // The server's network threads also run the upstream calls: a proxied request stays on
  // its thread from arrival to answer (see platform/http/event_loop.h).
  platform::http::ServerOptions server_options = platform::service::server_options(startup);
  auto event_loop = std::make_shared<platform::http::EventLoop>(server_options.io_threads);
  server_options.event_loop = event_loop;
  infrastructure::Upstreams upstreams(startup, kUpstreams, registry, event_loop);
  const auto check_upstreams =
      [&upstreams](platform::core::Result<api_gateway::domain::RouteTable> table)
      -> platform::core::Result<api_gateway::domain::RouteTable> {
    if (!table) return table;
    for (const auto& name : table->upstreams())
      if (!upstreams.knows(name))
        return platform::core::Error::invalid_argument("upstream", "no upstream is named " + name);
    return table;
  };
  auto text = initial_routes(config);
  if (!text)
    return platform::service::exit_invalid_setting("SYL_GATEWAY_ROUTES_FILE", text.error());
  auto table = check_upstreams(infrastructure::load_routes(*text, defaults));
  if (!table)
    return platform::service::exit_invalid_setting("SYL_GATEWAY_ROUTES_FILE", table.error());
  api::RouteSource routes(
      std::make_shared<const api_gateway::domain::RouteTable>(std::move(*table)));

  // Tokens.
  auto keys = infrastructure::TokenKeys::create(
      {.secret = config.get("auth.jwt_secret"),
       .jwks_file = config.get("auth.jwks_file"),
       .issuer = config.get("auth.issuer"),
       .audience = config.get("auth.audience"),
       .leeway = std::chrono::seconds(config.get_int("auth.leeway_seconds"))},
      logger);
  if (!keys) return platform::service::exit_invalid_setting("SYL_AUTH_JWKS_FILE", keys.error());
  if ((*keys)->empty()) {
    logger.warn(
        "no token keys (auth.jwt_secret, auth.jwks_file): every route that needs a "
        "token answers 401");
  }
  if (!startup.identity_keys) {
    logger.warn(
        "no gateway.identity_keys: services cannot trust the callers the gateway "
        "authenticates, and treat every call as anonymous");
  }
  platform::core::BackgroundTask key_reload(
      "jwks-reload",
      [&keys](platform::core::BackgroundTask&) -> platform::core::Pause {
        (*keys)->reload_if_changed();
        return std::chrono::seconds(2);
      },
      platform::service::background_task_options(logger));

  // Rate limits.
  std::unique_ptr<platform::ratelimit::Limiter> limiter;
  if (config.get("ratelimit.backend") == "redis") {
    auto shared = platform::ratelimit::make_redis_limiter(
        {.url = config.get("redis.url"),
         .fail_mode = *platform::ratelimit::parse_fail_mode(config.get("ratelimit.fail_mode"))},
        &registry, &logger);
    if (!shared) return platform::service::exit_invalid_setting("SYL_REDIS_URL", shared.error());
    limiter = std::move(*shared);
  } else {
    limiter = platform::ratelimit::make_memory_limiter({}, &registry);
  }

  api::Proxy proxy(
      routes,
      {.authenticate = [&keys](std::string_view token) { return (*keys)->verify(token); },
       .limit =
           [&limiter](const api_gateway::domain::RateLimitPolicy& policy,
                      const std::string& user_id, const std::string& client_address,
                      std::function<void(api::LimitDecision)> done) {
             infrastructure::decide(*limiter, policy, user_id, client_address, std::move(done));
           },
       .upstreams = [&upstreams](const api_gateway::domain::RouteSpec& route)
           -> platform::resilience::PeerClient& { return upstreams.client(route); },
       .identity_keys = startup.identity_keys,
       .behind_tls = config.get_bool("gateway.behind_tls"),
       .trust_forwarded_headers = config.get_bool("gateway.trust_forwarded_headers"),
       .gzip = config.get_bool("gateway.gzip"),
       .stale_cache_bytes = static_cast<std::size_t>(config.get_int("gateway.stale_cache_bytes"))},
      registry, logger);

  // Routes of the server: operations first (more specific), then everything else to the
  // proxy. Bodyless methods run on the network thread; bodies stream on their own pool.
  platform::http::Health health;
  upstreams.add_health_checks(health);
  platform::http::Router router;
  api::add_docs_routes(router, routes, upstreams, config.get("gateway.docs_dir"), logger);
  platform::http::mount_operational_routes(router, health, registry);
  for (const char* method : {"GET", "DELETE", "OPTIONS"}) {
    router.add_async(
        method, "/{path...}",
        [&proxy](platform::http::Request& request, platform::http::Responder respond) {
          proxy.handle(request, std::move(respond));
        },
        platform::http::Execution::kInline);
  }
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    router.add_streamed(method, "/{path...}", [&proxy](platform::http::Request& request) {
      return proxy.handle(request);
    });
  }

  // Live routes from the config-service.
  platform::service::PlatformLink platform_link(startup);
  platform::service::instrument(startup, registry, health, &platform_link);
  platform_link.on_change("gateway.routes", [&](const std::string& document) {
    if (document.empty()) return;
    auto reloaded = check_upstreams(infrastructure::load_routes(document, defaults));
    if (!reloaded) {
      registry
          .counter("gateway_route_reloads_total", "Route documents applied or refused.",
                   {{"outcome", "refused"}})
          .inc();
      logger.error("refused a routes document from the config-service; the routes stay",
                   {{"error", platform::config::format_errors(reloaded.error())}});
      return;
    }
    registry
        .counter("gateway_route_reloads_total", "Route documents applied or refused.",
                 {{"outcome", "applied"}})
        .inc();
    logger.info("applied a routes document from the config-service",
                {{"routes", static_cast<std::int64_t>(reloaded->config().routes.size())}});
    routes.replace(std::make_shared<const api_gateway::domain::RouteTable>(std::move(*reloaded)));
  });

  server_options.health = &health;
  server_options.on_shutdown = [&platform_link] { platform_link.deregister(); };
  platform::http::Server server(std::move(server_options), std::move(router), logger, registry);
  platform_link.start(server.start());
  key_reload.start();
  platform::service::log_ready(startup, server.port());
  server.wait_for_shutdown_signal();
  key_reload.stop();
  platform_link.stop();
  logger.info("exiting");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return platform::service::guarded_main(kService, run, argc, argv);
}
