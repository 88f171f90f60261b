#include "trace.h"

#include <cstdint>
#include <random>

#include "platform/core/strings.h"
#include "platform/core/uuid.h"

namespace platform::http::detail {
namespace {

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

bool is_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<ParentTrace> parse_traceparent(std::string_view text) {
  text = core::trim(text);
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
  const int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return ParentTrace{std::string(trace_id), std::string(span_id), (flag_bits & 1) != 0};
}

std::string random_hex_id(std::size_t bytes) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.clear();
    while (out.size() < bytes * 2) {
      std::uint64_t bits = engine();
      for (int i = 0; i < 16 && out.size() < bytes * 2; ++i, bits >>= 4) {
        out.push_back(kDigits[bits & 0xf]);
      }
    }
  } while (is_all_zero(out));
  return out;
}

TraceContext make_trace(std::string_view request_id, std::string_view traceparent) {
  TraceContext trace;
  trace.request_id =
      is_request_id(request_id) ? std::string(request_id) : core::Uuid::v4().to_string();
  if (auto parent = parse_traceparent(traceparent)) {
    trace.trace_id = std::move(parent->trace_id);
    trace.parent_span_id = std::move(parent->span_id);
    trace.sampled = parent->sampled;
  } else {
    trace.trace_id = random_hex_id(16);
  }
  trace.span_id = random_hex_id(8);
  return trace;
}

}  // namespace platform::http::detail
