// One finished span, as OpenTelemetry's protocol (OTLP) names its fields, and how it is
// written: `append_otlp_json` gives the span object of OTLP/HTTP JSON (traceId, spanId,
// parentSpanId, name, kind, startTimeUnixNano, endTimeUnixNano, status, attributes,
// events, links), which is also what a service's log line carries under "span".
//
//   Span span{.trace_id = trace.trace_id, .span_id = new_span_id(), .name = "GET /x",
//             .kind = SpanKind::kClient, .start_unix_nano = now_unix_nanos()};
//   span.attributes.push_back({"http.response.status_code", std::int64_t{200}});
//   span.end_unix_nano = now_unix_nanos();
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace platform::tracing {

// OTLP's numbering.
enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };
enum class StatusCode { kUnset = 0, kOk = 1, kError = 2 };

using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;

struct Attribute {
  // A name with static storage (a literal): OpenTelemetry's attribute names are constants,
  // and a span is made for every request. Written as it is, unescaped: letters, digits,
  // '.' and '_' only.
  std::string_view key;
  AttributeValue value;
};

struct SpanEvent {
  std::string name;
  std::uint64_t time_unix_nano = 0;
  std::vector<Attribute> attributes;
};

// Another span this one is causally related to without being its child (a consumer's
// link to the producer of the event it handles).
struct SpanLink {
  std::string trace_id;
  std::string span_id;
};

struct Span {
  std::string trace_id;        // 32 lower-case hex digits
  std::string span_id;         // 16
  std::string parent_span_id;  // empty for a root span
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
  std::vector<Attribute> attributes;
  std::vector<SpanEvent> events;
  std::vector<SpanLink> links;
};

// A finished span whose text lives elsewhere (the request it describes, the call's own
// record): what a server and a client write for every request, without copying ids, name,
// attributes and events into a Span first. No links. `to_span` makes the owned copy an
// exporter queues.
//
//   const AttributeView attributes[] = {{"http.request.method", method}, {"url.path", path}};
//   tracer.finish(SpanView{.trace_id = trace.trace_id, ..., .attributes = attributes}, sampled);
using AttributeViewValue = std::variant<std::string_view, std::int64_t, double, bool>;
struct AttributeView {
  std::string_view key;  // a literal, as Attribute's
  AttributeViewValue value;
};
struct SpanEventView {
  std::string_view name;
  std::uint64_t time_unix_nano = 0;
  std::span<const AttributeView> attributes;
};
struct SpanView {
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view parent_span_id;
  std::string_view name;
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  StatusCode status = StatusCode::kUnset;
  std::string_view status_message;
  std::span<const AttributeView> attributes;
  std::span<const SpanEventView> events;
};
// The owned copy of a view. Attribute keys stay as they are: literals (see Attribute).
Span to_span(const SpanView& view);

// "<first> <second>" ("GET /subjects/{id}", "GET subject-service"), a span's name for a
// view, held on the stack unless it is long.
class JoinedName {
 public:
  JoinedName(std::string_view first, std::string_view second);
  JoinedName(const JoinedName&) = delete;
  JoinedName& operator=(const JoinedName&) = delete;
  std::string_view view() const { return view_; }

 private:
  std::array<char, 96> room_;
  std::string long_;
  std::string_view view_;
};

std::uint64_t now_unix_nanos();
// A steady-clock instant (how durations are measured) as Unix nanoseconds.
std::uint64_t unix_nanos_of(std::chrono::steady_clock::time_point instant);

// Random ids as lower-case hex, never all zero (W3C Trace Context).
std::string new_trace_id();  // 16 bytes
std::string new_span_id();   // 8 bytes
// A span id held inline (a call's own span: no allocation for its 16 digits).
using SpanIdText = std::array<char, 16>;
SpanIdText new_span_id_text();
inline std::string_view view_of(const SpanIdText& id) {
  return {id.data(), id.size()};
}

// What a traceparent names: a trace, a span in it (the parent of the receiver's), and
// whether the trace is sampled.
struct SpanContext {
  std::string trace_id;
  std::string span_id;
  bool sampled = false;
};

// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>" (W3C Trace Context); later
// versions may append fields after a '-', which are ignored as the specification asks.
// nullopt when invalid (upper case, all-zero ids, version ff, wrong lengths).
std::optional<SpanContext> parse_traceparent(std::string_view text);

// "00-<trace id>-<span id>-01" (or -00 when not sampled): the traceparent naming a span.
std::string traceparent_of(std::string_view trace_id, std::string_view span_id, bool sampled);

// The span as an OTLP/HTTP JSON span object (64-bit times as decimal strings, ids as
// hex, as the OTLP JSON mapping asks).
void append_otlp_json(std::string& out, const Span& span);
void append_otlp_json(std::string& out, const SpanView& span);
// The most bytes append_otlp_json adds for the span: the room to reserve for its line.
std::size_t otlp_json_bound(const Span& span);
std::size_t otlp_json_bound(const SpanView& span);

}  // namespace platform::tracing
