#include "platform/core/crypto.h"

#include <gtest/gtest.h>

#include <set>

#include "platform/core/strings.h"

namespace platform::core {
namespace {

// The FIPS 180-4 / NIST example vectors, and lengths around the padding boundaries.
TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PadsCorrectlyAtBlockBoundaries) {
  // 55, 56, 64 and 119 bytes put the length in the first or in a second padding block;
  // the digests come from coreutils' sha256sum.
  EXPECT_EQ(sha256_hex(std::string(55, 'x')),
            "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  EXPECT_EQ(sha256_hex(std::string(56, 'x')),
            "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  EXPECT_EQ(sha256_hex(std::string(64, 'x')),
            "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
  EXPECT_EQ(sha256_hex(std::string(119, 'x')),
            "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c");
}

TEST(Sha256, GivesTheRawDigestThatTheHexSpells) {
  const std::string digest = sha256("abc");

  EXPECT_EQ(digest.size(), kSha256Bytes);
  EXPECT_EQ(hex_encode(digest), sha256_hex("abc"));
}

TEST(Sha256, HashesPiecesLikeTheWhole) {
  std::string content;
  for (int i = 0; i < 300'000; ++i) content.push_back(static_cast<char>(i * 31));
  Sha256 hasher;
  // Pieces of every size from 0 up, across block boundaries.
  std::size_t at = 0;
  for (std::size_t piece = 0; at < content.size(); ++piece) {
    hasher.update(std::string_view(content).substr(at, piece));
    at += piece;
  }

  EXPECT_EQ(hasher.finish_hex(), sha256_hex(content));
}

TEST(Sha256, StartsOverAfterFinishAndSurvivesAMove) {
  Sha256 hasher;
  hasher.update("a");
  EXPECT_EQ(hasher.finish(), sha256("a"));
  EXPECT_EQ(hasher.finish_hex(), sha256_hex(""));

  hasher.update("ab");
  Sha256 moved = std::move(hasher);
  moved.update("c");
  EXPECT_EQ(moved.finish_hex(), sha256_hex("abc"));
}

// RFC 4231, test cases 1, 2, 6 and 7, plus the empty key and message.
TEST(HmacSha256, MatchesTheRfc4231TestVectors) {
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(131, '\xaa'),
                                   "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hex_encode(hmac_sha256(
                std::string(131, '\xaa'),
                "This is a test using a larger than block-size key and a larger than block-size "
                "data. The key needs to be hashed before being used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  EXPECT_EQ(hex_encode(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEquals, TellsEqualFromDifferentWhereverTheyDiffer) {
  const std::string mac = hmac_sha256("key", "message");
  EXPECT_TRUE(constant_time_equals(mac, hmac_sha256("key", "message")));
  EXPECT_TRUE(constant_time_equals("", ""));
  std::string first = mac, last = mac;
  first.front() ^= 1;
  last.back() ^= 0x80;
  EXPECT_FALSE(constant_time_equals(first, mac));
  EXPECT_FALSE(constant_time_equals(last, mac));
  EXPECT_FALSE(constant_time_equals(mac.substr(0, 31), mac));
  EXPECT_FALSE(constant_time_equals(mac, ""));
  // Bytes past a NUL count too.
  EXPECT_FALSE(constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RandomBytes, GivesTheLengthAskedForAndNeverTheSameTwice) {
  EXPECT_EQ(random_bytes(0), "");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string bytes = random_bytes(32);
    ASSERT_EQ(bytes.size(), 32u);
    EXPECT_TRUE(seen.insert(bytes).second);
  }
}

}  // namespace
}  // namespace platform::core
