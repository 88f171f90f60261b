#include "platform/tracing/span.h"

#include <charconv>
#include <cmath>
#include <random>

#include "platform/logging/logger.h"

namespace platform::tracing {
namespace {

// SplitMix64: ids need uniqueness, not secrecy, and a busy service makes three a request.
// A per-thread state seeded from the system's entropy.
std::uint64_t next_random_word() {
  thread_local std::uint64_t state = [] {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }();
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// `words` random 64-bit words as 16 lower-case hex digits each.
std::string random_hex(std::size_t words) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(words * 16, '0');
  for (;;) {
    std::uint64_t any = 0;
    for (std::size_t i = 0; i < out.size(); i += 16) {
      std::uint64_t bits = next_random_word();
      any |= bits;
      for (std::size_t j = i + 16; j > i; --j, bits >>= 4) out[j - 1] = kDigits[bits & 0xf];
    }
    if (any != 0) return out;  // an all-zero id is invalid
  }
}

void append_string(std::string& out, std::string_view text) {
  out.push_back('"');
  logging::append_json_escaped(out, text);
  out.push_back('"');
}

void append_unsigned(std::string& out, std::uint64_t value) {
  char buffer[24];
  out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

// OTLP/JSON AnyValue: {"stringValue":..}, {"intValue":"<decimal>"}, {"doubleValue":..},
// {"boolValue":..}.
void append_value(std::string& out, const AttributeValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    out.append("{\"stringValue\":");
    append_string(out, *text);
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    char buffer[24];
    out.append("{\"intValue\":\"");
    out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, *integer).ptr);
    out.push_back('"');
  } else if (const auto* real = std::get_if<double>(&value)) {
    out.append("{\"doubleValue\":");
    if (std::isfinite(*real)) {
      char buffer[32];
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, *real).ptr);
    } else {
      out.append("null");
    }
  } else {
    out.append("{\"boolValue\":");
    out.append(std::get<bool>(value) ? "true" : "false");
  }
  out.push_back('}');
}

void append_attributes(std::string& out, const std::vector<Attribute>& attributes) {
  out.push_back('[');
  bool first = true;
  for (const auto& attribute : attributes) {
    if (!first) out.push_back(',');
    first = false;
    // Keys are literals of plain characters (see Attribute): nothing to escape.
    out.append("{\"key\":\"").append(attribute.key).append("\",\"value\":");
    append_value(out, attribute.value);
    out.push_back('}');
  }
  out.push_back(']');
}

bool is_lower_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_all_zero(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

std::optional<SpanContext> parse_traceparent(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.size() < 55) return std::nullopt;
  const std::string_view version = text.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" && text.size() != 55) return std::nullopt;
  if (text.size() > 55 && text[55] != '-') return std::nullopt;
  if (text[2] != '-' || text[35] != '-' || text[52] != '-') return std::nullopt;
  const std::string_view trace_id = text.substr(3, 32);
  const std::string_view span_id = text.substr(36, 16);
  const std::string_view flags = text.substr(53, 2);
  if (!is_lower_hex(trace_id) || !is_lower_hex(span_id) || !is_lower_hex(flags)) {
    return std::nullopt;
  }
  if (is_all_zero(trace_id) || is_all_zero(span_id)) return std::nullopt;
  const auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  const int flag_bits = hex(flags[0]) * 16 + hex(flags[1]);
  return SpanContext{std::string(trace_id), std::string(span_id), (flag_bits & 1) != 0};
}

std::uint64_t now_unix_nanos() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::uint64_t unix_nanos_of(std::chrono::steady_clock::time_point instant) {
  const auto ago = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - instant);
  return now_unix_nanos() - static_cast<std::uint64_t>(ago.count());
}

std::string new_trace_id() {
  return random_hex(2);
}

std::string new_span_id() {
  return random_hex(1);
}

std::string traceparent_of(const std::string& trace_id, const std::string& span_id, bool sampled) {
  std::string out;
  out.reserve(55);
  out.append("00-").append(trace_id).append(1, '-').append(span_id);
  out.append(sampled ? "-01" : "-00");
  return out;
}

void append_otlp_json(std::string& out, const Span& span) {
  out.append("{\"traceId\":\"").append(span.trace_id);
  out.append("\",\"spanId\":\"").append(span.span_id).push_back('"');
  if (!span.parent_span_id.empty()) {
    out.append(",\"parentSpanId\":\"").append(span.parent_span_id).push_back('"');
  }
  out.append(",\"name\":");
  append_string(out, span.name);
  out.append(",\"kind\":");
  append_unsigned(out, static_cast<std::uint64_t>(span.kind));
  out.append(",\"startTimeUnixNano\":\"");
  append_unsigned(out, span.start_unix_nano);
  out.append("\",\"endTimeUnixNano\":\"");
  append_unsigned(out, span.end_unix_nano);
  out.append("\",\"status\":{\"code\":");
  append_unsigned(out, static_cast<std::uint64_t>(span.status));
  if (!span.status_message.empty()) {
    out.append(",\"message\":");
    append_string(out, span.status_message);
  }
  out.append("},\"attributes\":");
  append_attributes(out, span.attributes);
  if (!span.events.empty()) {
    out.append(",\"events\":[");
    bool first = true;
    for (const auto& event : span.events) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"timeUnixNano\":\"");
      append_unsigned(out, event.time_unix_nano);
      out.append("\",\"name\":");
      append_string(out, event.name);
      out.append(",\"attributes\":");
      append_attributes(out, event.attributes);
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (!span.links.empty()) {
    out.append(",\"links\":[");
    bool first = true;
    for (const auto& link : span.links) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"traceId\":\"").append(link.trace_id);
      out.append("\",\"spanId\":\"").append(link.span_id).append("\"}");
    }
    out.push_back(']');
  }
  out.push_back('}');
}

}  // namespace platform::tracing
