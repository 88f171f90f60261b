// A message head read without Beast when it has the plain form every platform service,
// client and common server writes: the server's fast way for requests without a body,
// the client's for small answers framed by Content-Length. Internal to the http library.
//
//   if (auto head = parse_plain_response_head(bytes_up_to_the_blank_line)) {
//     for_each_field(bytes, [&](std::string_view name, std::string_view value) { ... });
//   }  // else Beast's parser reads the same bytes, with its own errors and leniencies
//
// Strict on purpose: anything they do not accept (obs-fold, a bare LF, an interim or a
// bodiless status, Transfer-Encoding, two Content-Lengths, HTTP/2, a request body...)
// they hand back, and Beast's parser decides, exactly as before this path existed. So
// they never have to reproduce an error of Beast's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace platform::http::detail {

struct PlainResponseHead {
  int status = 0;  // 200..599, except 204 and 304
  std::uint64_t content_length = 0;
  bool keep_alive = false;  // as Beast's keep_alive(): by version and Connection
  std::size_t field_count = 0;
  std::size_t field_bytes = 0;  // names and values (trimmed), for reserving a list
};

// `head`: the bytes of a head, from the status line to its blank line included. Accepted
// only with a Content-Length and in the plain form above; nullopt otherwise.
std::optional<PlainResponseHead> parse_plain_response_head(std::string_view head);

struct PlainRequestHead {
  std::string_view method;  // a token
  std::string_view target;  // origin-form: '/' then visible ASCII
  unsigned version = 11;    // 10 or 11
  bool keep_alive = false;  // as Beast's keep_alive(): by version and Connection
  std::size_t field_count = 0;
  std::size_t field_bytes = 0;  // names and values (trimmed), for reserving a list
};

// `head`: the bytes of a request head, from the request line to its blank line included.
// Accepted only without a body (neither Content-Length nor Transfer-Encoding) and in the
// plain form above; nullopt otherwise. The views point into `head`.
std::optional<PlainRequestHead> parse_plain_request_head(std::string_view head);

// Whether `received`, the start of a head whose blank line has not come yet, can still
// become a plain one: false at the first byte that cannot (a bare LF, a control byte,
// the wrong opening), so that Beast's parser reports it now rather than once the head
// limit or the read timeout is reached.
bool may_become_plain_response_head(std::string_view received);
bool may_become_plain_request_head(std::string_view received);

// The next line of a head from `at`, without its CRLF; `at` moves past it. Empty at the
// blank line (the end of the head).
inline std::string_view next_line(std::string_view head, std::size_t& at) {
  const std::size_t end = head.find("\r\n", at);
  if (end == std::string_view::npos) {  // no CRLF left: as the end (the parsers check it)
    at = head.size();
    return {};
  }
  const std::string_view line = head.substr(at, end - at);
  at = end + 2;
  return line;
}

inline std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A field line's name (before its first colon) and value (after it, trimmed of blanks).
struct FieldLine {
  std::string_view name;
  std::string_view value;
};
inline FieldLine split_field(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {line, {}};
  return {line.substr(0, colon), trim_blanks(line.substr(colon + 1))};
}

// Calls `visit(name, value)` for each field of a head one of the parsers accepted.
template <class Visit>
void for_each_field(std::string_view head, Visit&& visit) {
  std::size_t at = 0;
  next_line(head, at);  // the start line
  for (std::string_view line = next_line(head, at); !line.empty(); line = next_line(head, at)) {
    const FieldLine field = split_field(line);
    visit(field.name, field.value);
  }
}

}  // namespace platform::http::detail
