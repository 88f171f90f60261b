// Request ids and W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing what
// a caller sent and making new ids. Internal to the http library: the server starts a
// request's span with make_trace(); the client gives each outgoing call a span id.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/http/message.h"
#include "platform/tracing/tracer.h"

namespace platform::http::detail {

// What we accept as a caller's X-Request-ID: 1-128 of [A-Za-z0-9._-] (safe in logs and
// headers). Anything else is replaced by a new id.
bool is_request_id(std::string_view id);

// The trace context of a request that arrived with these header values (either may be
// empty): the caller's request id and trace kept when valid (tracing::parse_traceparent),
// a new span for us. A new trace is sampled as `tracer` decides (always without one); a
// continued trace keeps its caller's decision.
TraceContext make_trace(std::string_view request_id, std::string_view traceparent,
                        const tracing::Tracer* tracer = nullptr);

}  // namespace platform::http::detail
