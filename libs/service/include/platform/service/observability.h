// What every service shows about itself besides its own metrics:
//   build_info{version,commit} 1 (no service label: Prometheus adds it from discovery)
//   process_* (cpu, memory, fds, threads, start time; metrics/process.h)
//   db_pool_size, db_pool_in_use, db_pool_waiting (with a database)
//   config_service_up (1 while this instance holds its lease in the registry; only with a
//     config-service)
//   trace_spans_total{outcome="recorded"|"sampled_out"}, and (0 without an OTLP collector)
//     trace_spans_exported_total, trace_spans_dropped_total, trace_export_failures_total
// and, on /health/ready, the service, version, commit and uptime.
//
//   platform::service::PlatformLink platform_link(startup);
//   platform::service::instrument(startup, registry, health, &platform_link);
#pragma once

#include "platform/http/health.h"
#include "platform/metrics/registry.h"
#include "platform/service/platform_link.h"
#include "platform/service/startup.h"

namespace platform::service {

// `startup`, `health` and `link` must outlive the registry's last render.
void instrument(const Startup& startup, metrics::Registry& registry, http::Health& health,
                const PlatformLink* link);

}  // namespace platform::service
