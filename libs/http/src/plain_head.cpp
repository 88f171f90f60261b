#include "plain_head.h"

#include <array>

#include "field_text.h"
#include "platform/core/strings.h"

namespace platform::http::detail {
namespace {

constexpr std::string_view kEndOfHead = "\r\n\r\n";
constexpr std::size_t kStatusCodeAt = 9;  // "HTTP/1.1 200 OK": the code, then a space
constexpr std::string_view kResponseOpening = "HTTP/1.";

// A byte of a field value or a reason phrase: VCHAR, obs-text, SP or HTAB (RFC 9110
// §5.5). Not CR, LF, NUL or another control: a bare LF is Beast's to judge.
constexpr std::array<bool, 256> kValueCharacters = [] {
  std::array<bool, 256> table{};
  for (int c = 0x21; c <= 0xff; ++c) table[c] = c != 0x7f;
  table[' '] = true;
  table['\t'] = true;
  return table;
}();

bool is_value(std::string_view text) {
  for (const char c : text) {
    if (!kValueCharacters[static_cast<unsigned char>(c)]) return false;
  }
  return true;
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
    const FieldLine field = split_field(line);
    // No colon, a blank before it, or a line that starts with one (obs-fold): no token.
    if (field.name.size() == line.size() || !is_token(field.name) || !is_value(field.value)) {
      return false;
    }
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

// Whether `received` holds no bare LF and no control byte but HTAB, CR and LF.
bool plain_bytes(std::string_view received) {
  for (std::size_t i = 0; i < received.size(); ++i) {
    const auto c = static_cast<unsigned char>(received[i]);
    if (c == '\n' && (i == 0 || received[i - 1] != '\r')) return false;
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

bool may_become_plain_response_head(std::string_view received) {
  const std::size_t opening = std::min(received.size(), kResponseOpening.size());
  return received.substr(0, opening) == kResponseOpening.substr(0, opening) &&
         plain_bytes(received);
}

bool may_become_plain_request_head(std::string_view received) {
  // A method: token characters up to the first space.
  const std::string_view method = received.substr(0, received.find(' '));
  for (const char c : method) {
    if (!kTokenCharacters[static_cast<unsigned char>(c)]) return false;
  }
  return plain_bytes(received);
}

std::optional<PlainResponseHead> parse_plain_response_head(std::string_view head) {
  if (!head.ends_with(kEndOfHead)) return std::nullopt;
  unsigned version = 11;
  if (head.starts_with("HTTP/1.1 ")) {
    version = 11;
  } else if (head.starts_with("HTTP/1.0 ")) {
    version = 10;
  } else {
    return std::nullopt;
  }
  std::size_t at = 0;
  const std::string_view line = next_line(head, at);
  // "HTTP/1.1 200 " at least: RFC 9112 (and Beast) want the space even without a reason.
  if (line.size() < kStatusCodeAt + 4 || line[kStatusCodeAt + 3] != ' ') return std::nullopt;
  const std::string_view code = line.substr(kStatusCodeAt, 3);
  if (code.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  PlainResponseHead parsed;
  parsed.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  // Interim answers, and the statuses whose answers have no body whatever they declare.
  if (parsed.status < 200 || parsed.status > 599 || parsed.status == 204 || parsed.status == 304) {
    return std::nullopt;
  }
  if (!is_value(line.substr(kStatusCodeAt + 4))) return std::nullopt;
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
  const std::string_view line = next_line(head, at);
  PlainRequestHead parsed;
  const std::size_t method_end = line.find(' ');
  if (method_end == std::string_view::npos) return std::nullopt;
  parsed.method = line.substr(0, method_end);
  if (!is_token(parsed.method)) return std::nullopt;
  const std::size_t target_end = line.find(' ', method_end + 1);
  if (target_end == std::string_view::npos) return std::nullopt;
  parsed.target = line.substr(method_end + 1, target_end - method_end - 1);
  if (parsed.target.empty() || parsed.target.front() != '/') return std::nullopt;
  for (const char c : parsed.target) {
    if (c < 0x21 || c > 0x7e) return std::nullopt;
  }
  const std::string_view version = line.substr(target_end + 1);
  if (version == "HTTP/1.1") {
    parsed.version = 11;
  } else if (version == "HTTP/1.0") {
    parsed.version = 10;
  } else {
    return std::nullopt;
  }
  FieldScan scan;
  if (!scan_fields(head, at, scan) || scan.have_length) return std::nullopt;
  parsed.keep_alive = keeps_alive(parsed.version, scan.connection);
  parsed.field_count = scan.count;
  parsed.field_bytes = scan.bytes;
  return parsed;
}

}  // namespace platform::http::detail
