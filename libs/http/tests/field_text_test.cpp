// The checks on header field text shared by the server and the client (src/field_text.h).
#include "../src/field_text.h"

#include <gtest/gtest.h>

#include <string>

namespace platform::http::detail {
namespace {

TEST(FieldText, FindsACarriageReturnOrLineFeedAtEveryPlaceOfEveryLength) {
  // Lengths past the widest vector step of memchr, the break at each place in turn.
  for (std::size_t length = 0; length <= 72; ++length) {
    const std::string plain(length, 'v');
    EXPECT_FALSE(has_line_break(plain)) << length;
    for (std::size_t at = 0; at < length; ++at) {
      for (const char line_break : {'\r', '\n'}) {
        std::string value = plain;
        value[at] = line_break;
        EXPECT_TRUE(has_line_break(value)) << length << " " << at;
      }
    }
  }
}

// Only the bytes that would end a line: the other control bytes are refused where a value
// arrives (the server's head checks), not where it is written.
TEST(FieldText, LetsEveryOtherByteThrough) {
  std::string value;
  for (int byte = 0; byte < 256; ++byte) {
    if (byte != '\r' && byte != '\n') value.push_back(static_cast<char>(byte));
  }
  EXPECT_FALSE(has_line_break(value));
  // Bytes one more and one less than CR and LF, and the high bytes of UTF-8.
  EXPECT_FALSE(has_line_break("\x0b\x0c\x0e\x09\x8a\x8d\xca\xcd\xe2\x80\xa8"));
}

// Every byte at every place of texts around a word's length, against a plain search: the
// word-at-a-time test must neither miss a break nor take another byte for one.
TEST(FieldText, AgreesWithAPlainSearchForEveryByteAtEveryPlace) {
  for (std::size_t length = 1; length <= 20; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string value(length, byte % 2 == 0 ? '\t' : '\xff');
        value[at] = static_cast<char>(byte);
        const bool expected = value.find_first_of("\r\n") != std::string::npos;
        ASSERT_EQ(has_line_break(value), expected) << length << " " << at << " " << byte;
      }
    }
  }
}

TEST(FieldText, TokensAreTheCharactersOfRfc9110) {
  EXPECT_TRUE(is_token("X-Request-ID"));
  EXPECT_TRUE(is_token("!#$%&'*+-.^_`|~09AZaz"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("Bad Name"));
  EXPECT_FALSE(is_token("Name:"));
  EXPECT_FALSE(is_token("N\xc3\xa4me"));
}

}  // namespace
}  // namespace platform::http::detail
