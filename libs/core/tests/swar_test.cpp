#include "platform/core/swar.h"

#include <gtest/gtest.h>

#include <cstring>

namespace platform::core {
namespace {

std::uint64_t word_with(int byte, int at, char filler) {
  char bytes[8];
  std::memset(bytes, filler, sizeof bytes);
  bytes[at] = static_cast<char>(byte);
  std::uint64_t word = 0;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// Every byte value at every place among fillers on both sides of the limits: the answer
// is exactly whether that byte is below the limit, or is the byte looked for.
TEST(Swar, TellsExactlyWhetherAnyByteIsBelowALimitOrIsAByte) {
  for (const char filler : {'a', ' ', '\x7f', '\xff'}) {
    for (int at = 0; at < 8; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        const std::uint64_t word = word_with(byte, at, filler);
        for (const int limit : {0x01, 0x20, 0x80}) {
          const bool expected = byte < limit || static_cast<unsigned char>(filler) < limit;
          EXPECT_EQ(swar::has_byte_below(word, static_cast<std::uint8_t>(limit)), expected)
              << "byte " << byte << " at " << at << " limit " << limit;
        }
        for (const int sought : {int{'"'}, int{'\\'}, 0x7f, 0}) {
          const bool expected = byte == sought || static_cast<unsigned char>(filler) == sought;
          EXPECT_EQ(swar::has_byte(word, static_cast<std::uint8_t>(sought)), expected)
              << "byte " << byte << " at " << at << " sought " << sought;
        }
      }
    }
  }
}

}  // namespace
}  // namespace platform::core
