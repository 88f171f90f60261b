// Checks on the text of header fields, shared by the client (the requests it writes) and
// the server (the answers it writes). Internal to the http library. They run over every
// field of every message: a table lookup per character for names, eight bytes at a time
// for line breaks; std::string_view::find_first_of would cost a memchr per character.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "platform/core/swar.h"

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
// Eight bytes at a time (core/swar.h): a word with no byte below 0x0E (LF is 0x0A, CR
// 0x0D) is passed over with one test, and only one with such a byte (a tab, say) is looked
// at byte by byte. Two memchr calls cost more on the short texts of fields, and this runs
// on every field of every message.
inline bool has_line_break(std::string_view text) {
  const auto is_break = [](char c) { return c == '\n' || c == '\r'; };
  const char* at = text.data();
  std::size_t left = text.size();
  for (; left >= 8; at += 8, left -= 8) {
    if (!core::swar::has_byte_below(core::swar::load(at), '\r' + 1)) continue;
    for (int i = 0; i < 8; ++i) {
      if (is_break(at[i])) return true;
    }
  }
  for (; left > 0; ++at, --left) {
    if (is_break(*at)) return true;
  }
  return false;
}

}  // namespace platform::http::detail
