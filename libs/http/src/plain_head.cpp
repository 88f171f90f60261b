#include "plain_head.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "field_text.h"
#include "platform/core/strings.h"
#include "platform/core/swar.h"

namespace platform::http::detail {
namespace {

constexpr std::string_view kEndOfHead = "\r\n\r\n";
constexpr std::size_t kStatusCodeAt = 9;  // "HTTP/1.1 200 OK": the code, then a space

// A byte of a field value or a reason phrase: VCHAR, obs-text, SP or HTAB (RFC 9110
// §5.5). Not CR, LF, NUL or another control: a bare LF is Beast's to judge.
constexpr std::array<bool, 256> kValueCharacters = [] {
  std::array<bool, 256> table{};
  for (int c = 0x21; c <= 0xff; ++c) table[c] = c != 0x7f;
  table[' '] = true;
  table['\t'] = true;
  return table;
}();

// Whether any of the eight bytes of `word` is below 0x20 or is 0x7f: the only ones a value
// may not hold, but for HTAB.
bool may_hold_a_control(std::uint64_t word) {
  return core::swar::has_byte_below(word, 0x20) || core::swar::has_byte(word, 0x7f);
}

bool is_value_byte(char c) {
  return kValueCharacters[static_cast<unsigned char>(c)];
}

// Eight bytes at a time: a token (a JWT) makes a value of hundreds, on every request.
bool is_value(std::string_view text) {
  std::size_t at = 0;
  for (; at + 8 <= text.size(); at += 8) {
    if (may_hold_a_control(core::swar::load(text.data() + at)) &&
        !std::all_of(text.data() + at, text.data() + at + 8, is_value_byte))
      return false;
  }
  return std::all_of(text.data() + at, text.data() + text.size(), is_value_byte);
}

// Beast's own test of a Connection field: a list of tokens, commas and blanks between
// them. Anything else Beast refuses (bad_value), so it is left to Beast.
bool is_token_list(std::string_view list) {
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim_blanks(list.substr(0, comma));
    if (!item.empty() && !is_token(item)) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (core::iequals(trim_blanks(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// A field line: a token, a colon, a value. No colon, a blank before it, or a line that
// starts with one (obs-fold) is not.
bool is_plain_field_line(std::string_view line) {
  const FieldLine field = split_field(line);
  return field.name.size() < line.size() && is_token(field.name) && is_value(field.value);
}

// "HTTP/1.1 200 OK": HTTP/1.0 or 1.1, three digits, a space (RFC 9112 and Beast want it
// even without a reason), a reason of value characters. Sets `version` and `status`.
bool is_plain_status_line(std::string_view line, unsigned& version, int& status) {
  if (line.starts_with("HTTP/1.1 ")) {
    version = 11;
  } else if (line.starts_with("HTTP/1.0 ")) {
    version = 10;
  } else {
    return false;
  }
  if (line.size() < kStatusCodeAt + 4 || line[kStatusCodeAt + 3] != ' ') return false;
  const std::string_view code = line.substr(kStatusCodeAt, 3);
  if (code.find_first_not_of("0123456789") != std::string_view::npos) return false;
  status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  return is_value(line.substr(kStatusCodeAt + 4));
}

// "GET /path?query HTTP/1.1": a token, a space, an origin-form target of visible ASCII, a
// space, HTTP/1.0 or 1.1.
bool is_plain_request_line(std::string_view line, PlainRequestHead& parsed) {
  const std::size_t method_end = line.find(' ');
  if (method_end == std::string_view::npos) return false;
  parsed.method = line.substr(0, method_end);
  if (!is_token(parsed.method)) return false;
  const std::size_t target_end = line.find(' ', method_end + 1);
  if (target_end == std::string_view::npos) return false;
  parsed.target = line.substr(method_end + 1, target_end - method_end - 1);
  if (parsed.target.empty() || parsed.target.front() != '/') return false;
  for (const char c : parsed.target) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  const std::string_view version = line.substr(target_end + 1);
  if (version == "HTTP/1.1") {
    parsed.version = 11;
  } else if (version == "HTTP/1.0") {
    parsed.version = 10;
  } else {
    return false;
  }
  return true;
}

// What the fields of a head say about the message's framing and connection.
struct FieldScan {
  std::size_t count = 0;
  std::size_t bytes = 0;
  bool have_length = false;
  std::uint64_t length = 0;
  bool have_connection = false;
  std::string_view connection;
};

// Reads the field lines of `head` from `at` (the start of the first one) to its blank
// line, which must end `head`. False for anything not plain: then Beast reads the head.
bool scan_fields(std::string_view head, std::size_t at, FieldScan& scan) {
  for (std::string_view line = next_line(head, at); !line.empty(); line = next_line(head, at)) {
    if (!is_plain_field_line(line)) return false;
    const FieldLine field = split_field(line);
    ++scan.count;
    scan.bytes += field.name.size() + field.value.size();
    if (core::iequals(field.name, "Content-Length")) {
      const auto length = core::parse_integer<std::uint64_t>(field.value);
      if (scan.have_length || !length) return false;
      scan.length = *length;
      scan.have_length = true;
    } else if (core::iequals(field.name, "Connection")) {
      // Beast heeds the first only, and refuses a value that is no list of tokens.
      if (scan.have_connection || !is_token_list(field.value)) return false;
      scan.connection = field.value;
      scan.have_connection = true;
    } else if (core::iequals(field.name, "Transfer-Encoding") ||
               core::iequals(field.name, "Proxy-Connection")) {
      return false;
    }
  }
  // The blank line must end the bytes given: no second head, no body.
  return at == head.size();
}

// Beast's keep_alive(): HTTP/1.1 unless the peer says close, HTTP/1.0 only when it asks.
bool keeps_alive(unsigned version, std::string_view connection) {
  return version == 11 ? !has_token(connection, "close") : has_token(connection, "keep-alive");
}

// Whether `received` holds no bare CR or LF and no control byte but HTAB, CR and LF (a CR
// at the very end may be the first half of a CRLF still to come).
bool plain_bytes(std::string_view received) {
  for (std::size_t i = 0; i < received.size(); ++i) {
    const auto c = static_cast<unsigned char>(received[i]);
    if (c == '\n' && (i == 0 || received[i - 1] != '\r')) return false;
    if (c == '\r' && i + 1 < received.size() && received[i + 1] != '\n') return false;
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return false;
  }
  return true;
}

// Whether `start` can begin a plain request line.
bool may_begin_request_line(std::string_view start) {
  const std::size_t method_end = start.find(' ');
  const std::string_view method = start.substr(0, method_end);
  for (const char c : method) {
    if (!kTokenCharacters[static_cast<unsigned char>(c)]) return false;
  }
  if (method_end == std::string_view::npos) return true;
  if (method.empty()) return false;
  const std::string_view rest = start.substr(method_end + 1);
  const std::size_t target_end = rest.find(' ');
  const std::string_view target = rest.substr(0, target_end);
  if (!target.empty() && target.front() != '/') return false;
  for (const char c : target) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  if (target_end == std::string_view::npos) return true;
  if (target.empty()) return false;
  const std::string_view version = rest.substr(target_end + 1);
  return std::string_view("HTTP/1.1").starts_with(version) ||
         std::string_view("HTTP/1.0").starts_with(version);
}

// Whether `start` can begin a plain status line.
bool may_begin_status_line(std::string_view start) {
  constexpr std::string_view kShape = "HTTP/1.x 999 ";
  for (std::size_t i = 0; i < std::min(start.size(), kShape.size()); ++i) {
    const char c = start[i];
    const char want = kShape[i];
    if (want == 'x' ? (c != '0' && c != '1') : want == '9' ? (c < '0' || c > '9') : c != want) {
      return false;
    }
  }
  return start.size() <= kShape.size() || is_value(start.substr(kShape.size()));
}

// Whether `start` can begin a plain field line.
bool may_begin_field_line(std::string_view start) {
  const std::size_t colon = start.find(':');
  for (const char c : start.substr(0, colon)) {
    if (!kTokenCharacters[static_cast<unsigned char>(c)]) return false;
  }
  return colon == std::string_view::npos || (colon > 0 && is_value(start.substr(colon + 1)));
}

// The early test for both kinds of head: every complete line checked as the parser checks
// it, the incomplete last one as the start of such a line.
template <class StartLine, class StartLineBegins>
bool may_become_plain(std::string_view received, StartLine is_start_line,
                      StartLineBegins may_begin_start_line) {
  if (!plain_bytes(received)) return false;
  std::size_t at = 0;
  for (bool first = true;; first = false) {
    const std::size_t end = received.find("\r\n", at);
    if (end == std::string_view::npos) {
      std::string_view rest = received.substr(at);
      if (rest.ends_with('\r')) rest.remove_suffix(1);
      return first ? may_begin_start_line(rest) : may_begin_field_line(rest);
    }
    const std::string_view line = received.substr(at, end - at);
    if (first ? !is_start_line(line) : !line.empty() && !is_plain_field_line(line)) return false;
    if (!first && line.empty()) return true;  // the blank line: a whole head
    at = end + 2;
  }
}

}  // namespace

bool may_become_plain_response_head(std::string_view received) {
  return may_become_plain(
      received,
      [](std::string_view line) {
        unsigned version = 0;
        int status = 0;
        return is_plain_status_line(line, version, status);
      },
      may_begin_status_line);
}

bool may_become_plain_request_head(std::string_view received) {
  return may_become_plain(
      received,
      [](std::string_view line) {
        PlainRequestHead parsed;
        return is_plain_request_line(line, parsed);
      },
      may_begin_request_line);
}

std::optional<PlainResponseHead> parse_plain_response_head(std::string_view head) {
  if (!head.ends_with(kEndOfHead)) return std::nullopt;
  std::size_t at = 0;
  unsigned version = 11;
  PlainResponseHead parsed;
  if (!is_plain_status_line(next_line(head, at), version, parsed.status)) return std::nullopt;
  // Interim answers, and the statuses whose answers have no body whatever they declare.
  if (parsed.status < 200 || parsed.status > 599 || parsed.status == 204 || parsed.status == 304) {
    return std::nullopt;
  }
  FieldScan scan;
  if (!scan_fields(head, at, scan) || !scan.have_length) return std::nullopt;
  parsed.content_length = scan.length;
  parsed.keep_alive = keeps_alive(version, scan.connection);
  parsed.field_count = scan.count;
  parsed.field_bytes = scan.bytes;
  return parsed;
}

std::optional<PlainRequestHead> parse_plain_request_head(std::string_view head) {
  if (!head.ends_with(kEndOfHead)) return std::nullopt;
  std::size_t at = 0;
  PlainRequestHead parsed;
  if (!is_plain_request_line(next_line(head, at), parsed)) return std::nullopt;
  FieldScan scan;
  if (!scan_fields(head, at, scan) || scan.have_length) return std::nullopt;
  parsed.keep_alive = keeps_alive(parsed.version, scan.connection);
  parsed.field_count = scan.count;
  parsed.field_bytes = scan.bytes;
  return parsed;
}

}  // namespace platform::http::detail
