#include "platform/service/observability.h"

#include <string>

#include "platform/metrics/process.h"
#include "platform/service/build_info.h"

namespace platform::service {

void instrument(const Startup& startup, metrics::Registry& registry, http::Health& health,
                const PlatformLink* link) {
  const BuildInfo build = build_info();
  registry
      .gauge("build_info", "The running build: always 1, described by its labels.",
             {{"service", startup.name},
              {"version", std::string(build.version)},
              {"commit", std::string(build.commit)}})
      .set(1);
  metrics::add_process_metrics(registry);
  if (const db::Database* database = startup.database.get(); database != nullptr) {
    registry.callback_gauge("db_pool_size", "Database sessions in the pool.", {},
                            [database] { return double(database->pool_stats().size); });
    registry.callback_gauge("db_pool_in_use", "Database sessions leased now.", {},
                            [database] { return double(database->pool_stats().in_use); });
    registry.callback_gauge("db_pool_waiting", "Callers waiting for a database session.", {},
                            [database] { return double(database->pool_stats().waiting); });
  }
  if (link != nullptr && !startup.config.get("config_service.url").empty()) {
    registry.callback_gauge(
        "config_service_up",
        "1 while this instance holds its lease in the config-service's registry, else 0.", {},
        [link] { return link->registered() ? 1.0 : 0.0; });
  }
  health.describe(startup.name, std::string(build.version), std::string(build.commit),
                  startup.started);
}

}  // namespace platform::service
