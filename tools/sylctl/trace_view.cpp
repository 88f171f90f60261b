#include "trace_view.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "json_text.h"

namespace sylctl {
namespace {

std::uint64_t nanos_of(const boost::json::object& object, std::string_view key) {
  const std::string text = json_text(object, key);
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string value_text(const boost::json::value& any) {
  if (!any.is_object()) return "";
  const auto& value = any.as_object();
  if (const auto* text = value.if_contains("stringValue"); text && text->is_string())
    return std::string(text->as_string());
  if (const auto* integer = value.if_contains("intValue"); integer && integer->is_string())
    return std::string(integer->as_string());
  if (const auto* real = value.if_contains("doubleValue"); real && real->is_number())
    return std::to_string(real->to_number<double>());
  if (const auto* flag = value.if_contains("boolValue"); flag && flag->is_bool())
    return flag->as_bool() ? "true" : "false";
  return "";
}

std::string milliseconds(std::uint64_t nanos) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f ms", static_cast<double>(nanos) / 1e6);
  return buffer;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

std::string bar(std::uint64_t begin, std::uint64_t end, std::uint64_t origin, std::uint64_t total,
                std::size_t width) {
  std::string out(width, ' ');
  if (total == 0) return "|" + std::string(width, '#') + "|";
  const auto column = [&](std::uint64_t at) {
    return std::min(
        width, static_cast<std::size_t>(static_cast<double>(at - origin) /
                                        static_cast<double>(total) * static_cast<double>(width)));
  };
  const std::size_t first = column(std::max(begin, origin));
  const std::size_t last = std::max(first + 1, column(std::max(end, begin)));
  for (std::size_t i = first; i < std::min(last, width); ++i) out[i] = '#';
  return "|" + out + "|";
}

}  // namespace

std::optional<SpanRecord> parse_span_line(std::string_view file_service, std::string_view line) {
  if (line.find("\"msg\":\"span\"") == std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(line, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto& object = parsed.as_object();
  const auto* span_value = object.if_contains("span");
  if (span_value == nullptr || !span_value->is_object()) return std::nullopt;
  const auto& span = span_value->as_object();
  SpanRecord record;
  record.service = json_text(object, "service");
  if (record.service.empty()) record.service = std::string(file_service);
  record.trace_id = json_text(span, "traceId");
  record.span_id = json_text(span, "spanId");
  if (record.trace_id.empty() || record.span_id.empty()) return std::nullopt;
  record.parent_span_id = json_text(span, "parentSpanId");
  record.name = json_text(span, "name");
  if (const auto* kind = span.if_contains("kind"); kind && kind->is_int64())
    record.kind = static_cast<int>(kind->as_int64());
  record.start = nanos_of(span, "startTimeUnixNano");
  record.end = nanos_of(span, "endTimeUnixNano");
  if (const auto* status = span.if_contains("status"); status && status->is_object()) {
    const auto& fields = status->as_object();
    if (const auto* code = fields.if_contains("code"); code && code->is_int64())
      record.error = code->as_int64() == 2;
    record.status_message = json_text(fields, "message");
  }
  if (const auto* links = span.if_contains("links"); links && links->is_array()) {
    for (const auto& link : links->as_array())
      if (link.is_object()) record.linked_span_ids.push_back(json_text(link.as_object(), "spanId"));
  }
  if (const auto* events = span.if_contains("events"); events && events->is_array()) {
    for (const auto& event : events->as_array()) {
      if (!event.is_object()) continue;
      const auto& fields = event.as_object();
      SpanEventRecord out{json_text(fields, "name"), nanos_of(fields, "timeUnixNano"), ""};
      if (const auto* attributes = fields.if_contains("attributes");
          attributes && attributes->is_array()) {
        for (const auto& attribute : attributes->as_array()) {
          if (!attribute.is_object()) continue;
          const auto& pair = attribute.as_object();
          if (!out.detail.empty()) out.detail += ' ';
          out.detail += json_text(pair, "key") + "=" +
                        (pair.contains("value") ? value_text(pair.at("value")) : "");
        }
      }
      record.events.push_back(std::move(out));
    }
  }
  return record;
}

std::vector<SpanRecord> spans_of_trace(const std::vector<SpanRecord>& spans,
                                       std::string_view trace_id) {
  std::vector<SpanRecord> out;
  std::set<std::string> seen;
  for (const auto& span : spans) {
    if (span.trace_id == trace_id && seen.insert(span.span_id).second) out.push_back(span);
  }
  return out;
}

std::string format_waterfall(const std::vector<SpanRecord>& spans, std::size_t bar_width) {
  if (spans.empty()) return "no spans\n";
  std::set<std::string> ids;
  std::uint64_t origin = spans.front().start;
  std::uint64_t finish = spans.front().end;
  for (const auto& span : spans) {
    ids.insert(span.span_id);
    origin = std::min(origin, span.start);
    finish = std::max(finish, span.end);
  }
  std::map<std::string, std::vector<const SpanRecord*>> children;
  std::vector<const SpanRecord*> roots;
  for (const auto& span : spans) {
    if (span.parent_span_id.empty() || !ids.contains(span.parent_span_id)) {
      roots.push_back(&span);
    } else {
      children[span.parent_span_id].push_back(&span);
    }
  }
  const auto by_start = [](const SpanRecord* a, const SpanRecord* b) {
    return a->start < b->start;
  };
  std::sort(roots.begin(), roots.end(), by_start);
  for (auto& [id, list] : children) std::sort(list.begin(), list.end(), by_start);

  const std::size_t errors = static_cast<std::size_t>(
      std::count_if(spans.begin(), spans.end(), [](const SpanRecord& s) { return s.error; }));
  std::string out = "trace " + spans.front().trace_id + ": " + std::to_string(spans.size()) +
                    (spans.size() == 1 ? " span, " : " spans, ") + milliseconds(finish - origin) +
                    (errors > 0 ? ", " + std::to_string(errors) + " with errors" : "") + "\n";
  out += padded("SERVICE", 18) + padded("SPAN", 40) + padded("START", 13) + padded("DURATION", 13) +
         padded("STATUS", 7) + "\n";
  const std::uint64_t total = finish - origin;
  std::set<std::string> printed;  // a cycle in bad data must not loop forever
  const auto print = [&](const auto& self, const SpanRecord& span, std::size_t depth) -> void {
    if (!printed.insert(span.span_id).second) return;
    out += padded(span.service, 18) + padded(std::string(depth * 2, ' ') + span.name, 40) +
           padded("+" + milliseconds(span.start - origin), 13) +
           padded(milliseconds(span.duration()), 13) + padded(span.error ? "ERROR" : "ok", 7) +
           bar(span.start, span.end, origin, total, bar_width) + "\n";
    const std::string detail_indent(18 + depth * 2 + 2, ' ');
    if (span.error && !span.status_message.empty())
      out += detail_indent + "! " + span.status_message + "\n";
    for (const auto& event : span.events) {
      out += detail_indent + "- " + event.name + " at +" +
             milliseconds(event.time > origin ? event.time - origin : 0) +
             (event.detail.empty() ? "" : " (" + event.detail + ")") + "\n";
    }
    if (const auto found = children.find(span.span_id); found != children.end()) {
      for (const SpanRecord* child : found->second) self(self, *child, depth + 1);
    }
  };
  for (const SpanRecord* root : roots) print(print, *root, 0);
  return out;
}

std::vector<SpanRecord> slowest_traces(const std::vector<SpanRecord>& spans, std::size_t count,
                                       std::uint64_t since) {
  std::map<std::string, std::set<std::string>> ids_by_trace;
  for (const auto& span : spans) ids_by_trace[span.trace_id].insert(span.span_id);
  std::map<std::string, const SpanRecord*> root_by_trace;
  for (const auto& span : spans) {
    const bool root =
        span.parent_span_id.empty() || !ids_by_trace[span.trace_id].contains(span.parent_span_id);
    if (!root) continue;
    auto& slot = root_by_trace[span.trace_id];
    if (slot == nullptr || span.start < slot->start) slot = &span;
  }
  std::vector<SpanRecord> roots;
  for (const auto& [trace, root] : root_by_trace)
    if (root->start >= since) roots.push_back(*root);
  std::sort(roots.begin(), roots.end(),
            [](const SpanRecord& a, const SpanRecord& b) { return a.duration() > b.duration(); });
  if (roots.size() > count) roots.resize(count);
  return roots;
}

std::string format_slowest(const std::vector<SpanRecord>& roots,
                           const std::vector<SpanRecord>& spans) {
  if (roots.empty()) return "no traces in that time\n";
  std::map<std::string, std::size_t> span_counts;
  std::map<std::string, bool> errors;
  for (const auto& span : spans) {
    ++span_counts[span.trace_id];
    if (span.error) errors[span.trace_id] = true;
  }
  std::string out = padded("TRACE", 34) + padded("DURATION", 13) + padded("SPANS", 7) +
                    padded("STATUS", 7) + padded("STARTED", 22) + padded("SERVICE", 18) + "ROOT\n";
  for (const auto& root : roots) {
    const std::time_t seconds = static_cast<std::time_t>(root.start / 1'000'000'000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char started[32];
    std::strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &utc);
    out += padded(root.trace_id, 34) + padded(milliseconds(root.duration()), 13) +
           padded(std::to_string(span_counts[root.trace_id]), 7) +
           padded(errors[root.trace_id] ? "ERROR" : "ok", 7) + padded(started, 22) +
           padded(root.service, 18) + root.name + "\n";
  }
  return out;
}

}  // namespace sylctl
