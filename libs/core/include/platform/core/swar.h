// Eight bytes at a time in one 64-bit word ("SIMD within a register"): exact answers to
// "is any byte of these eight ...?", which scanners of text (the log's JSON escaper, the
// HTTP head checks) ask before looking at the bytes one by one.
//
//   const std::uint64_t word = swar::load(text.data() + at);
//   if (swar::has_byte_below(word, 0x20) || swar::has_byte(word, '"')) ...
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>

namespace platform::core::swar {

inline constexpr std::uint64_t kEveryByte = 0x0101010101010101;
inline constexpr std::uint64_t kHighBits = 0x8080808080808080;

// The eight bytes at `at` (which need not be aligned) as one word.
inline std::uint64_t load(const char* at) {
  std::uint64_t word = 0;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// Whether any byte of `word` is below `limit` (at most 0x80: a byte of 0x80 or more never
// counts, which is what lets UTF-8 through).
constexpr bool has_byte_below(std::uint64_t word, std::uint8_t limit) {
  assert(limit <= 0x80);
  return ((word - kEveryByte * limit) & ~word & kHighBits) != 0;
}

// Whether any byte of `word` is `byte`.
constexpr bool has_byte(std::uint64_t word, std::uint8_t byte) {
  const std::uint64_t zero_where_equal = word ^ (kEveryByte * byte);
  return has_byte_below(zero_where_equal, 1);
}

}  // namespace platform::core::swar
