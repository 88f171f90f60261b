// Request ids and W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing what
// a caller sent and making new ids. Internal to the http library: the server starts a
// request's span with make_trace(); the client gives each outgoing call a span id.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/http/message.h"

namespace platform::http::detail {

// What we accept as a caller's X-Request-ID: 1-128 of [A-Za-z0-9._-] (safe in logs and
// headers). Anything else is replaced by a new id.
bool is_request_id(std::string_view id);

struct ParentTrace {
  std::string trace_id;
  std::string span_id;
  bool sampled = false;
};

// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"; later versions may append
// fields after a '-', which are ignored as the specification asks. nullopt when invalid.
std::optional<ParentTrace> parse_traceparent(std::string_view text);

// `bytes` random bytes as lower-case hex, never all zero (ids need randomness, not
// cryptographic strength).
std::string random_hex_id(std::size_t bytes);

// The trace context of a request that arrived with these header values (either may be
// empty): the caller's request id and trace kept when valid, a new span for us.
TraceContext make_trace(std::string_view request_id, std::string_view traceparent);

}  // namespace platform::http::detail
