#include "platform/tracing/span.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <type_traits>

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

// The eight nibbles of `bits` as eight lower-case hex digits, a byte each, all at once (in
// an order of their own: the bits are random, any order of them is as random).
std::uint64_t hex_digits(std::uint32_t bits) {
  std::uint64_t nibbles = bits;
  nibbles = (nibbles | (nibbles << 16)) & 0x0000ffff0000ffffULL;
  nibbles = (nibbles | (nibbles << 8)) & 0x00ff00ff00ff00ffULL;
  nibbles = (nibbles | (nibbles << 4)) & 0x0f0f0f0f0f0f0f0fULL;
  // A byte holds 1 where its nibble is over 9: adding 6 carries into the byte's bit 4.
  const std::uint64_t over_nine = ((nibbles + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
  return nibbles + 0x3030303030303030ULL + over_nine * ('a' - '0' - 10);
}

// Fills `out` (a multiple of 16 long) with random lower-case hex digits, 16 a 64-bit word,
// never all zero.
void fill_random_hex(std::span<char> out) {
  for (;;) {
    std::uint64_t any = 0;
    for (std::size_t i = 0; i < out.size(); i += 16) {
      const std::uint64_t bits = next_random_word();
      any |= bits;
      const std::uint64_t high = hex_digits(static_cast<std::uint32_t>(bits >> 32));
      const std::uint64_t low = hex_digits(static_cast<std::uint32_t>(bits));
      std::memcpy(out.data() + i, &high, sizeof high);
      std::memcpy(out.data() + i + 8, &low, sizeof low);
    }
    if (any != 0) return;  // an all-zero id is invalid
  }
}

// `words` random 64-bit words as 16 lower-case hex digits each.
std::string random_hex(std::size_t words) {
  std::string out(words * 16, '0');
  fill_random_hex(out);
  return out;
}

// Writes a span's JSON at a cursor into room made for all of it at once (see
// otlp_json_bound): a span line is written for every request by every service, and
// appending it piece by piece checked the string's capacity some sixty times a span.
class Cursor {
 public:
  explicit Cursor(char* at) : at_(at) {}
  char* end() const { return at_; }

  Cursor& put(char c) {
    *at_++ = c;
    return *this;
  }
  Cursor& put(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
    return *this;
  }
  // A JSON string: quotes around the escaped text.
  Cursor& quoted(std::string_view text) {
    put('"');
    at_ = logging::write_json_escaped(at_, text);
    return put('"');
  }
  // Only the types whose longest form kMaxNumberBytes holds: to_chars cannot fail.
  template <typename Number>
  requires std::is_same_v<Number, int> || std::is_same_v<Number, std::int64_t> ||
      std::is_same_v<Number, double>
          Cursor& number(Number value) {
    at_ = std::to_chars(at_, at_ + kMaxNumberBytes, value).ptr;
    return *this;
  }
  // Times in nanoseconds, four a span: two digits a step (to_chars took some 300
  // instructions for nineteen digits).
  template <typename Unsigned>
  requires std::is_same_v<Unsigned, std::uint64_t> Cursor& number(Unsigned value) {
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char digits[20];
    char* start = digits + sizeof digits;
    while (value >= 100) {
      const auto pair = static_cast<std::size_t>(value % 100) * 2;
      value /= 100;
      *--start = kPairs[pair + 1];
      *--start = kPairs[pair];
    }
    if (value >= 10) {
      const auto pair = static_cast<std::size_t>(value) * 2;
      *--start = kPairs[pair + 1];
      *--start = kPairs[pair];
    } else {
      *--start = static_cast<char>('0' + value);
    }
    return put(std::string_view(start, static_cast<std::size_t>(digits + sizeof digits - start)));
  }

  // The most bytes a number takes: 20 for the smallest int64 (with its sign) and the
  // largest uint64, at most 24 for the shortest form of a double
  // ("-1.7976931348623157e+308").
  static constexpr std::size_t kMaxNumberBytes = 32;

 private:
  char* at_;
};

// The room the writer below takes at most: kLiteralBytes for each literal it puts (the
// longest, `,"startTimeUnixNano":"`, has 22 bytes), kMaxNumberBytes for each number, the
// ids as they are, and a string with its quotes as if each of its characters were
// escaped. A piece added to the writer is counted here too.
constexpr std::size_t kLiteralBytes = 32;

std::size_t quoted_bound(std::string_view text) {
  return 2 + text.size() * logging::kMaxEscapedBytesPerChar;
}

// A string value's text, for either kind of attribute (nullopt when the value is not one).
std::optional<std::string_view> text_of(const AttributeViewValue& value) {
  if (const auto* text = std::get_if<std::string_view>(&value)) return *text;
  return std::nullopt;
}
std::optional<std::string_view> text_of(const AttributeValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return std::string_view(*text);
  return std::nullopt;
}

template <typename Attributes>
std::size_t attributes_bound(const Attributes& attributes) {
  std::size_t bound = 2 * kLiteralBytes;  // [ ]
  for (const auto& attribute : attributes) {
    // , {"key":" <key> ","value": <value> } where a value is at most three literals and
    // a number ({"intValue":" <number> " }) or a literal and a string.
    bound += 7 * kLiteralBytes + attribute.key.size() + Cursor::kMaxNumberBytes;
    if (const auto text = text_of(attribute.value)) bound += quoted_bound(*text);
  }
  return bound;
}

template <typename AnyEvent>
std::size_t event_bound(const AnyEvent& event) {
  // , {"timeUnixNano":" <time> ","name": <name> ,"attributes": <attributes> }
  return 5 * kLiteralBytes + Cursor::kMaxNumberBytes + quoted_bound(event.name) +
         attributes_bound(event.attributes);
}

// What a span and a view of one share: their ids, name, status and attributes.
template <typename AnySpan>
std::size_t common_bound(const AnySpan& span) {
  // 17 literals, from {"traceId":" to the closing }, and four numbers: kind, start, end
  // and status code.
  return 17 * kLiteralBytes + 4 * Cursor::kMaxNumberBytes + span.trace_id.size() +
         span.span_id.size() + span.parent_span_id.size() + quoted_bound(span.name) +
         quoted_bound(span.status_message) + attributes_bound(span.attributes);
}

}  // namespace

std::size_t otlp_json_bound(const SpanView& span) {
  std::size_t bound = common_bound(span);
  for (const auto& event : span.events) bound += event_bound(event);
  return bound;
}

std::size_t otlp_json_bound(const Span& span) {
  std::size_t bound = common_bound(span);
  for (const auto& event : span.events) bound += event_bound(event);
  for (const auto& link : span.links) {
    // , {"traceId":" <id> ","spanId":" <id> "}
    bound += 4 * kLiteralBytes + link.trace_id.size() + link.span_id.size();
  }
  return bound;
}

namespace {

// OTLP/JSON AnyValue: {"stringValue":..}, {"intValue":"<decimal>"}, {"doubleValue":..},
// {"boolValue":..}; for an attribute's value or a view's.
template <typename Value>
void write_value(Cursor& out, const Value& value) {
  if (const auto text = text_of(value)) {
    out.put("{\"stringValue\":").quoted(*text);
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    out.put("{\"intValue\":\"").number(*integer).put('"');
  } else if (const auto* real = std::get_if<double>(&value)) {
    out.put("{\"doubleValue\":");
    if (std::isfinite(*real)) {
      out.number(*real);
    } else {
      out.put("null");
    }
  } else {
    out.put("{\"boolValue\":").put(std::get<bool>(value) ? "true" : "false");
  }
  out.put('}');
}

template <typename Attributes>
void write_attributes(Cursor& out, const Attributes& attributes) {
  out.put('[');
  bool first = true;
  for (const auto& attribute : attributes) {
    if (!first) out.put(',');
    first = false;
    // Keys are literals of plain characters (see Attribute): nothing to escape.
    out.put("{\"key\":\"").put(attribute.key).put("\",\"value\":");
    write_value(out, attribute.value);
    out.put('}');
  }
  out.put(']');
}

// Counted in otlp_json_bound: a piece added here is counted there too. Leaves the span
// object open after its attributes.
template <typename AnySpan>
void write_common(Cursor& out, const AnySpan& span) {
  out.put("{\"traceId\":\"").put(span.trace_id);
  out.put("\",\"spanId\":\"").put(span.span_id).put('"');
  if (!span.parent_span_id.empty()) {
    out.put(",\"parentSpanId\":\"").put(span.parent_span_id).put('"');
  }
  out.put(",\"name\":").quoted(span.name);
  out.put(",\"kind\":").number(static_cast<int>(span.kind));
  out.put(",\"startTimeUnixNano\":\"").number(span.start_unix_nano);
  out.put("\",\"endTimeUnixNano\":\"").number(span.end_unix_nano);
  out.put("\",\"status\":{\"code\":").number(static_cast<int>(span.status));
  if (!span.status_message.empty()) out.put(",\"message\":").quoted(span.status_message);
  out.put("},\"attributes\":");
  write_attributes(out, span.attributes);
}

template <typename Events>
void write_events(Cursor& out, const Events& events) {
  if (events.empty()) return;
  out.put(",\"events\":[");
  bool first = true;
  for (const auto& event : events) {
    if (!first) out.put(',');
    first = false;
    out.put("{\"timeUnixNano\":\"").number(event.time_unix_nano);
    out.put("\",\"name\":").quoted(event.name);
    out.put(",\"attributes\":");
    write_attributes(out, event.attributes);
    out.put('}');
  }
  out.put(']');
}

void write_span(Cursor& out, const SpanView& span) {
  write_common(out, span);
  write_events(out, span.events);
  out.put('}');
}

void write_span(Cursor& out, const Span& span) {
  write_common(out, span);
  write_events(out, span.events);
  if (!span.links.empty()) {
    out.put(",\"links\":[");
    bool first = true;
    for (const auto& link : span.links) {
      if (!first) out.put(',');
      first = false;
      out.put("{\"traceId\":\"").put(link.trace_id);
      out.put("\",\"spanId\":\"").put(link.span_id).put("\"}");
    }
    out.put(']');
  }
  out.put('}');
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

SpanIdText new_span_id_text() {
  SpanIdText id;
  fill_random_hex(id);
  return id;
}

std::string traceparent_of(std::string_view trace_id, std::string_view span_id, bool sampled) {
  std::string out;
  out.reserve(55);
  out.append("00-").append(trace_id).append(1, '-').append(span_id);
  out.append(sampled ? "-01" : "-00");
  return out;
}

namespace {

// Room for `bound` bytes: a buffer of the thread's, or `own` made for a span larger than
// it. A span is written there, then appended at once: resizing the line to the bound
// first would fill it with zeros, and a buffer of the span's own would cost an allocation
// per span.
char* room_for(std::size_t bound, std::unique_ptr<char[]>& own) {
  constexpr std::size_t kThreadRoomBytes = std::size_t{16} * 1024;
  thread_local std::unique_ptr<char[]> thread_room;
  if (bound > kThreadRoomBytes) {
    own = std::make_unique_for_overwrite<char[]>(bound);
    return own.get();
  }
  if (!thread_room) thread_room = std::make_unique_for_overwrite<char[]>(kThreadRoomBytes);
  return thread_room.get();
}

template <typename AnySpan>
void append_span(std::string& out, const AnySpan& span) {
  std::unique_ptr<char[]> own_room;
  char* room = room_for(otlp_json_bound(span), own_room);
  Cursor cursor(room);
  write_span(cursor, span);
  out.append(room, static_cast<std::size_t>(cursor.end() - room));
}

}  // namespace

void append_otlp_json(std::string& out, const Span& span) {
  append_span(out, span);
}

void append_otlp_json(std::string& out, const SpanView& span) {
  append_span(out, span);
}

namespace {

std::vector<Attribute> owned_attributes(std::span<const AttributeView> views) {
  std::vector<Attribute> attributes;
  attributes.reserve(views.size());
  for (const auto& attribute : views) {
    std::visit(
        [&](const auto& value) {
          if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string_view>) {
            attributes.push_back({attribute.key, std::string(value)});
          } else {
            attributes.push_back({attribute.key, value});
          }
        },
        attribute.value);
  }
  return attributes;
}

}  // namespace

JoinedName::JoinedName(std::string_view first, std::string_view second) {
  const std::size_t length = first.size() + 1 + second.size();
  char* at = room_.data();
  if (length > room_.size()) {
    long_.resize(length);
    at = long_.data();
  }
  // std::copy_n, not memcpy: an empty view may have no data at all (nullptr).
  std::copy_n(first.data(), first.size(), at);
  at[first.size()] = ' ';
  std::copy_n(second.data(), second.size(), at + first.size() + 1);
  view_ = std::string_view(at, length);
}

Span to_span(const SpanView& view) {
  Span span{.trace_id = std::string(view.trace_id),
            .span_id = std::string(view.span_id),
            .parent_span_id = std::string(view.parent_span_id),
            .name = std::string(view.name),
            .kind = view.kind,
            .start_unix_nano = view.start_unix_nano,
            .end_unix_nano = view.end_unix_nano,
            .status = view.status,
            .status_message = std::string(view.status_message)};
  span.attributes = owned_attributes(view.attributes);
  span.events.reserve(view.events.size());
  for (const auto& event : view.events) {
    span.events.push_back(
        {std::string(event.name), event.time_unix_nano, owned_attributes(event.attributes)});
  }
  return span;
}

}  // namespace platform::tracing
