// Small string helpers shared by every library: ASCII case folding and trimming,
// base64url for opaque cursors, SHA-256 in hex.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace platform::core {

std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

std::string sha256_hex(std::string_view bytes);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);
// Number of Unicode code points in well-formed UTF-8 text.
std::size_t utf8_length(std::string_view text);

}  // namespace platform::core
