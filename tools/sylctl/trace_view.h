// `sylctl trace`: the spans the services wrote to their logs (msg "span", OTLP field
// names under "span"), put back together. Pure functions, no files.
//
//   std::vector<SpanRecord> spans;
//   for (line : log lines) if (auto span = parse_span_line(service, line)) spans.push_back(*span);
//   std::cout << format_waterfall(spans_of_trace(spans, id));
//   std::cout << format_slowest(slowest_traces(spans, 10, since));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sylctl {

struct SpanEventRecord {
  std::string name;
  std::uint64_t time = 0;  // Unix ns
  std::string detail;      // its attributes as "key=value ..."
};

struct SpanRecord {
  std::string service;
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string name;
  int kind = 1;             // OTLP: 1 internal, 2 server, 3 client, 4 producer, 5 consumer
  std::uint64_t start = 0;  // Unix ns
  std::uint64_t end = 0;
  bool error = false;
  std::string status_message;
  std::vector<std::string> linked_span_ids;
  std::vector<SpanEventRecord> events;

  std::uint64_t duration() const { return end > start ? end - start : 0; }
};

// The span of a log line, nullopt for any other line. `file_service` names it when the
// line does not.
std::optional<SpanRecord> parse_span_line(std::string_view file_service, std::string_view line);

// The spans of one trace, each once (a span id seen twice: the first kept).
std::vector<SpanRecord> spans_of_trace(const std::vector<SpanRecord>& spans,
                                       std::string_view trace_id);

// The waterfall of one trace: every span under its parent (roots first: spans whose
// parent is not among them), siblings by start; service, span (indented by depth),
// start offset from the trace's first span, duration, status, a bar on a common scale,
// and each span's events (retries, breaker decisions) below it.
std::string format_waterfall(const std::vector<SpanRecord>& spans, std::size_t bar_width = 32);

// The slowest traces that began at or after `since` (Unix ns): each trace's root span
// (the earliest span without a parent among the trace's), by duration, at most `count`.
std::vector<SpanRecord> slowest_traces(const std::vector<SpanRecord>& spans, std::size_t count,
                                       std::uint64_t since);
std::string format_slowest(const std::vector<SpanRecord>& roots,
                           const std::vector<SpanRecord>& spans);

}  // namespace sylctl
