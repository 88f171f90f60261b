#include "trace.h"

#include <cstdint>

#include "platform/core/strings.h"
#include "platform/core/uuid.h"

namespace platform::http::detail {
bool is_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

TraceContext make_trace(std::string_view request_id, std::string_view traceparent,
                        const tracing::Tracer* tracer) {
  TraceContext trace;
  trace.request_id =
      is_request_id(request_id) ? std::string(request_id) : core::Uuid::v4().to_string();
  if (auto parent = tracing::parse_traceparent(traceparent)) {
    trace.trace_id = std::move(parent->trace_id);
    trace.parent_span_id = std::move(parent->span_id);
    trace.sampled = parent->sampled;
  } else {
    trace.trace_id = tracing::new_trace_id();
    trace.sampled = tracer == nullptr || tracer->sample_new_trace();
  }
  trace.span_id = tracing::new_span_id();
  return trace;
}

}  // namespace platform::http::detail
