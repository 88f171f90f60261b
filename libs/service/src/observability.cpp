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
             {{"version", std::string(build.version)}, {"commit", std::string(build.commit)}})
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
  if (const tracing::Tracer* tracer = startup.tracer.get(); tracer != nullptr) {
    const auto count = [tracer](std::uint64_t tracing::TracerCounts::*field) {
      return [tracer, field] { return static_cast<double>(tracer->counts().*field); };
    };
    registry.callback_counter("trace_spans_total", "Spans finished, kept (recorded) or not.",
                              {{"outcome", "recorded"}}, count(&tracing::TracerCounts::recorded));
    registry.callback_counter("trace_spans_total", "Spans finished, kept (recorded) or not.",
                              {{"outcome", "sampled_out"}},
                              count(&tracing::TracerCounts::sampled_out));
    // Zero without a collector: the alerts and panels on them always find their series.
    registry.callback_counter("trace_spans_exported_total", "Spans the OTLP collector accepted.",
                              {}, count(&tracing::TracerCounts::exported));
    registry.callback_counter(
        "trace_spans_dropped_total",
        "Recorded spans not exported: the export queue was full or the export failed.", {},
        count(&tracing::TracerCounts::dropped));
    registry.callback_counter("trace_export_failures_total",
                              "Export requests the OTLP collector did not accept.", {},
                              count(&tracing::TracerCounts::export_failures));
  }
  health.describe(startup.name, std::string(build.version), std::string(build.commit),
                  startup.started);
}

}  // namespace platform::service
