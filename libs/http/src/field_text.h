// Checks on the text of header fields, shared by the client (the requests it writes) and
// the server (the answers it writes). Internal to the http library. Plain loops: they run
// over every field of every message, where std::string_view::find_first_of costs a
// memchr per character.
#pragma once

#include <string_view>

namespace platform::http::detail {

// RFC 9110 token: a method or a field name.
inline bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '!' || c == '#' || c == '$' ||
                    c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' || c == '^' ||
                    c == '`' || c == '|' || c == '~';
    if (!ok) return false;
  }
  return true;
}

// A CR or LF: a value that would end its line early and start a field of its own.
inline bool has_line_break(std::string_view text) {
  for (const char c : text) {
    if (c == '\r' || c == '\n') return true;
  }
  return false;
}

}  // namespace platform::http::detail
