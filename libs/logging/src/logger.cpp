#include "platform/logging/logger.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "platform/core/strings.h"
#include "platform/core/swar.h"
#include "platform/core/time.h"
#include "platform/logging/async_writer.h"

namespace platform::logging {
namespace {

// Lower case: a key names a secret when one of them is anywhere in it, in any case.
constexpr std::string_view kSecretWords[] = {"password", "secret", "token", "authorization",
                                             "api_key",  "apikey", "cookie"};

// Which bytes begin one of kSecretWords.
constexpr std::array<bool, 256> kSecretWordStarts = [] {
  std::array<bool, 256> starts{};
  for (const std::string_view word : kSecretWords)
    starts[static_cast<unsigned char>(word[0])] = true;
  return starts;
}();

// One pass over the key, trying the words only where one of them could begin: lowering
// every key and searching it once per word cost more than writing the field (an access
// line has seven fields).
bool names_secret(std::string_view key) {
  for (std::size_t at = 0; at < key.size(); ++at) {
    char c = key[at];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!kSecretWordStarts[static_cast<unsigned char>(c)]) continue;
    for (const std::string_view word : kSecretWords) {
      if (word[0] == c && key.size() - at >= word.size() &&
          core::iequals(key.substr(at, word.size()), word))
        return true;
    }
  }
  return false;
}

void append_string(std::string& out, std::string_view text) {
  out.push_back('"');
  append_json_escaped(out, text);
  out.push_back('"');
}

void append_value(std::string& out, const Field::Value& value) {
  if (const auto* text = std::get_if<std::string_view>(&value)) {
    append_string(out, *text);
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, *integer).ptr;
    out.append(buffer, end);
  } else if (const auto* real = std::get_if<double>(&value)) {
    if (!std::isfinite(*real)) {
      out.append("null");
      return;
    }
    char buffer[32];
    const auto end =
        std::to_chars(buffer, buffer + sizeof buffer, *real, std::chars_format::general, 6).ptr;
    out.append(buffer, end);
  } else {
    out.append(std::get<bool>(value) ? "true" : "false");
  }
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  const std::string lower = core::ascii_lower(text);
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return std::nullopt;
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

Logger::Logger(std::string service, std::string instance, Level level, Sink sink)
    : service_(std::move(service)),
      instance_(std::move(instance)),
      level_(level),
      sink_(std::move(sink)) {
  service_fields_.append(",\"service\":");
  append_string(service_fields_, service_);
  service_fields_.append(",\"instance\":");
  append_string(service_fields_, instance_);
  if (!sink_) writer_ = std::make_unique<AsyncWriter>(STDOUT_FILENO);
}

Logger::~Logger() = default;

void Logger::flush() {
  if (writer_) writer_->flush();
}

std::uint64_t Logger::dropped_lines() const {
  return writer_ ? writer_->dropped() : 0;
}

std::string Logger::begin_line(std::string_view level, const Context& context, std::string_view msg,
                               std::size_t room_for_more) const {
  // Written at a cursor into room made once (every line starts here, a span line per
  // request): a dozen appends would each check the line's capacity.
  constexpr std::string_view kTs = "{\"ts\":\"";
  constexpr std::string_view kLevel = "\",\"level\":\"";
  constexpr std::string_view kMsg = ",\"msg\":\"";
  constexpr std::string_view kRequestId = ",\"request_id\":\"";
  constexpr std::string_view kTraceId = ",\"trace_id\":\"";
  constexpr std::string_view kSpanId = ",\"span_id\":\"";
  const std::size_t escaped =
      kMaxEscapedBytesPerChar *
      (msg.size() + context.request_id.size() + context.trace_id.size() + context.span_id.size());
  const std::size_t bound = kTs.size() + core::kRfc3339Bytes + kLevel.size() + level.size() + 1 +
                            service_fields_.size() + kMsg.size() + kRequestId.size() +
                            kTraceId.size() + kSpanId.size() + 4 + escaped;
  std::string line;
  line.reserve(bound + room_for_more);
  line.resize(bound);
  char* at = line.data();
  const auto put = [&at](std::string_view text) {
    std::memcpy(at, text.data(), text.size());
    at += text.size();
  };
  const auto put_string_rest = [&at](std::string_view text) {  // after its opening quote
    at = write_json_escaped(at, text);
    *at++ = '"';
  };
  put(kTs);
  at = core::write_rfc3339(at, core::now_utc());
  put(kLevel);
  put(level);
  *at++ = '"';
  put(service_fields_);
  put(kMsg);
  put_string_rest(msg);
  if (!context.request_id.empty()) {
    put(kRequestId);
    put_string_rest(context.request_id);
  }
  if (!context.trace_id.empty()) {
    put(kTraceId);
    put_string_rest(context.trace_id);
  }
  if (!context.span_id.empty()) {
    put(kSpanId);
    put_string_rest(context.span_id);
  }
  line.resize(static_cast<std::size_t>(at - line.data()));
  return line;
}

void Logger::emit(const std::string& line) {
  if (writer_) {
    writer_->write(line);
  } else {
    std::lock_guard lock(write_mutex_);
    sink_(line);
  }
}

void Logger::log(Level level, const Context& context, std::string_view msg, Fields fields) {
  if (!enabled(level)) return;
  std::string line = begin_line(to_string(level), context, msg);
  for (const Field& field : fields) {
    line.push_back(',');
    append_string(line, field.key());
    line.push_back(':');
    if (names_secret(field.key()))
      append_string(line, "[redacted]");
    else
      append_value(line, field.value());
  }
  line.push_back('}');
  emit(line);
}

void Logger::record(const Context& context, std::string_view msg, std::string_view key,
                    std::string_view raw_json) {
  record(context, msg, key, raw_json.size(),
         [raw_json](std::string& line) { line.append(raw_json); });
}

void Logger::record(const Context& context, std::string_view msg, std::string_view key,
                    std::size_t size_hint, const std::function<void(std::string&)>& write_value) {
  std::string line = begin_line(to_string(Level::kInfo), context, msg, key.size() + size_hint + 8);
  line.push_back(',');
  append_string(line, key);
  line.push_back(':');
  write_value(line);
  line.push_back('}');
  emit(line);
}

namespace {

// Whether any of the eight bytes of `word` is below 0x20, '"' or '\\'.
bool needs_escape(std::uint64_t word) {
  return core::swar::has_byte_below(word, 0x20) || core::swar::has_byte(word, '"') ||
         core::swar::has_byte(word, '\\');
}

bool needs_escape(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || c == '"' || c == '\\';
}

// How many leading bytes of `text` go out as they are. Every log line and span escapes a
// dozen strings (ids, names, paths, methods), most of 3 to 40 bytes: sixteen bytes at a
// time where SSE2 is (every x86-64), eight otherwise, the last block of a text at least a
// block long overlapping the one before instead of being looked at byte by byte (its bytes
// before the overlap's end were found plain already).
std::size_t plain_prefix(std::string_view text) {
  const char* const data = text.data();
  const std::size_t size = text.size();
  std::size_t length = 0;
#if defined(__SSE2__)
  if (size >= 16) {
    const __m128i last_control = _mm_set1_epi8(0x1f);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    for (;;) {
      const __m128i bytes =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + length));  // NOLINT
      // Unsigned bytes up to 0x1f are those their minimum with 0x1f leaves as they are.
      const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, last_control), bytes);
      const __m128i special =
          _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash));
      const int found = _mm_movemask_epi8(_mm_or_si128(control, special));
      if (found != 0) return length + static_cast<std::size_t>(__builtin_ctz(found));
      if (length + 16 == size) return size;
      length = std::min(length + 16, size - 16);
    }
  }
#endif
  if (size >= 8) {
    for (;;) {
      if (needs_escape(core::swar::load(data + length))) break;
      if (length + 8 == size) return size;
      length = std::min(length + 8, size - 8);
    }
  }
  while (length < size && !needs_escape(data[length])) ++length;
  return length;
}

// Writes the escape of `c` (one of the characters needs_escape names) at `out`; returns
// its length, at most kMaxEscapedBytesPerChar.
std::size_t write_escape(char* out, char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out[0] = '\\';
  switch (c) {
    case '"':
    case '\\':
      out[1] = c;
      return 2;
    case '\n':
      out[1] = 'n';
      return 2;
    case '\r':
      out[1] = 'r';
      return 2;
    case '\t':
      out[1] = 't';
      return 2;
    default: {
      const auto byte = static_cast<unsigned char>(c);
      out[1] = 'u';
      out[2] = '0';
      out[3] = '0';
      out[4] = kHex[byte >> 4];
      out[5] = kHex[byte & 0x0F];
      return 6;  // \u00XX, the longest escape: kMaxEscapedBytesPerChar
    }
  }
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  // Runs that need no escape (nearly everything) are found a word at a time and appended
  // at once.
  while (!text.empty()) {
    const std::size_t plain = plain_prefix(text);
    out.append(text.data(), plain);
    if (plain == text.size()) return;
    char escape[kMaxEscapedBytesPerChar];
    out.append(escape, write_escape(escape, text[plain]));
    text.remove_prefix(plain + 1);
  }
}

char* write_json_escaped(char* out, std::string_view text) {
  while (!text.empty()) {
    const std::size_t plain = plain_prefix(text);
    std::memcpy(out, text.data(), plain);
    out += plain;
    if (plain == text.size()) break;
    out += write_escape(out, text[plain]);
    text.remove_prefix(plain + 1);
  }
  return out;
}

}  // namespace platform::logging
