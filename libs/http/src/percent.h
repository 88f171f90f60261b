// Percent-decoding shared by the query parser (message.cpp) and the router. Internal to
// the http library.
#pragma once

#include <string>
#include <string_view>

namespace platform::http::detail {

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; `plus_as_space` for query components (form encoding), not for
// path segments, where '+' is itself. Malformed escapes are kept as typed ("%zz" stays
// "%zz") rather than failing the whole input, so a bad value reaches the handler, which
// can say what is wrong with it.
inline std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace platform::http::detail
