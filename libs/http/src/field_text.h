// Checks on the text of header fields, shared by the client (the requests it writes) and
// the server (the answers it writes). Internal to the http library. They run over every
// field of every message: a table lookup per character for names, memchr (which looks
// at many bytes at a time) for values; std::string_view::find_first_of would cost a
// memchr per character.
#pragma once

#include <array>
#include <cstring>
#include <string_view>

namespace platform::http::detail {

// The characters of an RFC 9110 token, by byte value.
inline constexpr std::array<bool, 256> kTokenCharacters = [] {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (const unsigned char c : std::string_view("-_.!#$%&'*+^`|~")) table[c] = true;
  return table;
}();

// RFC 9110 token: a method or a field name.
inline bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!kTokenCharacters[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// A CR or LF: a value that would end its line early and start a field of its own.
inline bool has_line_break(std::string_view text) {
  if (text.empty()) return false;
  return std::memchr(text.data(), '\n', text.size()) != nullptr ||
         std::memchr(text.data(), '\r', text.size()) != nullptr;
}

}  // namespace platform::http::detail
