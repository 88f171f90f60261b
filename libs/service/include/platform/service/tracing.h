// The tracer every service gets from its settings (start() makes it; see tracing/tracer.h):
// tracing.sample_ratio, tracing.log_spans, and otlp.endpoint (SYL_OTLP_ENDPOINT), an
// OTLP/HTTP collector the spans are also exported to, as JSON, in batches.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "platform/config/config.h"
#include "platform/core/result.h"
#include "platform/logging/logger.h"
#include "platform/tracing/tracer.h"

namespace platform::service {

// POSTs export requests to <endpoint>/v1/traces (unless the endpoint names that path
// already) with its own HTTP client; a 2xx answer is success, anything else an error.
std::unique_ptr<tracing::SpanExporter> make_otlp_http_exporter(
    const std::string& endpoint, std::chrono::milliseconds timeout = std::chrono::seconds(5));

std::unique_ptr<tracing::Tracer> make_tracer(const config::Config& config, logging::Logger& logger);

}  // namespace platform::service
