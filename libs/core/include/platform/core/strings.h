// Small string helpers shared by every library: ASCII case folding and trimming,
// base64url for opaque cursors, hex, UTF-8 checks.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace platform::core {

std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);
// Inline: header lookups call it for every field they pass.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
std::string_view trim(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
// Standard base64 or base64url, with or without padding: how operators write secrets
// (`openssl rand -base64 32`) into settings.
std::optional<std::string> base64_decode_any(std::string_view text);

// A whole decimal integer of type Integer ("42", "-7"): nullopt for anything else, an
// empty text, a sign or space around it, or a value out of Integer's range included.
template <typename Integer>
std::optional<Integer> parse_integer(std::string_view text) {
  Integer value{};
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

// `text` for a URL's query or path segment: RFC 3986 unreserved characters (A-Z a-z 0-9
// - . _ ~) as they are, every other byte %XX (upper-case hex): "a b/c" -> "a%20b%2Fc".
std::string percent_encode(std::string_view text);

// Lower-case hex of raw bytes: "\x01\xab" -> "01ab".
std::string hex_encode(std::string_view bytes);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);
// Number of Unicode code points in well-formed UTF-8 text.
std::size_t utf8_length(std::string_view text);

}  // namespace platform::core
