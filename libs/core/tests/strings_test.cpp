#include "platform/core/strings.h"

#include <gtest/gtest.h>

namespace platform::core {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    bytes.push_back(static_cast<char>(i * 37));
    const std::string encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(base64url_decode(encoded), bytes);
  }
}

TEST(Base64Url, EncodesTheVectorsOfRfc4648WithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");  // the URL alphabet's two
}

TEST(Base64Url, RejectsForeignCharacters) {
  EXPECT_FALSE(base64url_decode("ab+c"));
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("ab c"));
}

TEST(ParseInteger, TakesAWholeDecimalNumberInRangeOnly) {
  EXPECT_EQ(parse_integer<std::int64_t>("42"), 42);
  EXPECT_EQ(parse_integer<std::int64_t>("-7"), -7);
  EXPECT_EQ(parse_integer<std::int64_t>("9223372036854775807"), INT64_MAX);
  for (const char* text : {"", " 1", "1 ", "+1", "1x", "0x10", "9223372036854775808", "1.5"})
    EXPECT_EQ(parse_integer<std::int64_t>(text), std::nullopt) << text;
  EXPECT_EQ(parse_integer<std::uint16_t>("65535"), 65535);
  EXPECT_EQ(parse_integer<std::uint16_t>("65536"), std::nullopt);
  EXPECT_EQ(parse_integer<std::size_t>("-1"), std::nullopt);
}

TEST(HexEncode, WritesTwoLowerCaseDigitsPerByte) {
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_encode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
}

TEST(Utf8, AcceptsWellFormedAndRejectsMalformedText) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("Ünïcødé ✓ 𝄞"));
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("Ünï✓𝄞"), 5u);
}

TEST(Strings, FoldsAsciiCaseAndTrims) {
  EXPECT_EQ(ascii_lower("AbC-1"), "abc-1");
  EXPECT_EQ(ascii_upper("abc-1"), "ABC-1");
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_EQ(trim("  x y \n"), "x y");
  EXPECT_EQ(split("a,,b", ',').size(), 3u);
}

TEST(Base64DecodeAny, ReadsStandardAndUrlAlphabetsWithOrWithoutPadding) {
  const std::string bytes = "\xfb\xff\xbf hi";  // encodes to '+' and '/' in standard base64
  EXPECT_EQ(base64_decode_any("+/+/IGhp"), bytes);
  EXPECT_EQ(base64_decode_any("-_-_IGhp"), bytes);
  EXPECT_EQ(base64_decode_any("aGk="), "hi");
  EXPECT_EQ(base64_decode_any("aGk"), "hi");
  EXPECT_FALSE(base64_decode_any("a*b"));
}

}  // namespace
TEST(PercentEncode, KeepsUnreservedCharactersAndEncodesEveryOtherByte) {
  EXPECT_EQ(percent_encode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(percent_encode("a b/c&d=e+f"), "a%20b%2Fc%26d%3De%2Bf");
  EXPECT_EQ(percent_encode("2026/2027"), "2026%2F2027");
  EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(percent_encode(""), "");
}

}  // namespace platform::core
