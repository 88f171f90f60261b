#include "platform/auth/mint.h"

#include <gtest/gtest.h>

#include "platform/core/strings.h"
#include "test_keys.h"

namespace platform::auth {
namespace {

using testing::ec_key_1;
using testing::kNow;
using testing::kSecret;
using testing::rsa_key_1;

TokenSpec spec() {
  return {.subject = "u-7", .roles = {"viewer"}, .issued_at = kNow};
}

// Segment `index` of `token`, decoded.
std::string segment(std::string_view token, std::size_t index) {
  const auto parts = core::split(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  return parts.size() == 3 ? core::base64url_decode(parts[index]).value_or("") : "";
}

TEST(MintHs256, WritesTheHeaderAndClaimsOfTheSpec) {
  TokenSpec token = spec();
  token.key_id = "hs-1";
  token.not_before = kNow - 1;

  const auto minted = mint_hs256(token, kSecret);

  ASSERT_TRUE(minted) << minted.error().detail();
  EXPECT_EQ(segment(*minted, 0), R"({"alg":"HS256","typ":"JWT","kid":"hs-1"})");
  EXPECT_EQ(segment(*minted, 1),
            R"({"iss":"syllabus-platform","sub":"u-7","aud":"syllabus-platform",)"
            R"("iat":1700000000,"exp":1700003600,"nbf":1699999999,"roles":["viewer"]})");
  EXPECT_EQ(segment(*minted, 2).size(), 32u);
}

TEST(MintHs256, AddsExtraClaimsButNotOverTheSpecOnes) {
  TokenSpec token = spec();
  token.extra_claims = R"({"name":"Ada","tenant":{"id":3}})";
  TokenSpec clash = spec();
  clash.extra_claims = R"({"roles":["admin"]})";
  TokenSpec not_object = spec();
  not_object.extra_claims = "[1]";

  const auto minted = mint_hs256(token, kSecret);

  ASSERT_TRUE(minted);
  EXPECT_NE(segment(*minted, 1).find(R"("name":"Ada","tenant":{"id":3})"), std::string::npos);
  EXPECT_FALSE(mint_hs256(clash, kSecret));
  EXPECT_FALSE(mint_hs256(not_object, kSecret));
}

TEST(MintHs256, WritesNoExpiryWithoutATtl) {
  TokenSpec token = spec();
  token.ttl.reset();

  const auto minted = mint_hs256(token, kSecret);

  ASSERT_TRUE(minted);
  EXPECT_EQ(segment(*minted, 1).find("\"exp\""), std::string::npos);
}

TEST(MintHs256, RefusesAShortSecretOrNoSubject) {
  TokenSpec anonymous = spec();
  anonymous.subject.clear();

  const auto short_secret = mint_hs256(spec(), "31-bytes-is-one-too-few-for-it");
  const auto no_subject = mint_hs256(anonymous, kSecret);

  ASSERT_FALSE(short_secret);
  EXPECT_EQ(short_secret.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(short_secret.error().detail().find("one-too-few"), std::string::npos);
  ASSERT_FALSE(no_subject);
  EXPECT_EQ(no_subject.error().code(), core::ErrorCode::kInvalidArgument);
}

TEST(MintSigned, WritesEs256SignaturesAsRawRAndS) {
  const auto minted = mint_signed(spec(), "ES256", ec_key_1().private_pem);

  ASSERT_TRUE(minted) << minted.error().detail();
  EXPECT_EQ(segment(*minted, 0), R"({"alg":"ES256","typ":"JWT"})");
  EXPECT_EQ(segment(*minted, 2).size(), 64u);
}

TEST(MintSigned, WritesRs256SignaturesAsLongAsTheModulus) {
  const auto minted = mint_signed(spec(), "RS256", rsa_key_1().private_pem);

  ASSERT_TRUE(minted) << minted.error().detail();
  EXPECT_EQ(segment(*minted, 2).size(), 256u);
}

TEST(MintSigned, RefusesAnotherAlgorithmOrAKeyOfTheWrongType) {
  for (const auto& [algorithm, pem] : std::vector<std::pair<std::string, std::string>>{
           {"HS256", rsa_key_1().private_pem},
           {"none", rsa_key_1().private_pem},
           {"RS512", rsa_key_1().private_pem},
           {"RS256", ec_key_1().private_pem},
           {"ES256", rsa_key_1().private_pem},
           {"RS256", rsa_key_1().public_pem},  // a public key cannot sign
           {"RS256", "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n"},
           {"RS256", ""},
           {"RS256", testing::make_rsa_key(1024).private_pem},
       }) {
    SCOPED_TRACE(algorithm);
    const auto minted = mint_signed(spec(), algorithm, pem);
    ASSERT_FALSE(minted);
    EXPECT_EQ(minted.error().code(), core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(minted.error().detail().find("PRIVATE"), std::string::npos);
  }
}

TEST(MintSigned, RefusesAnEncryptedKeyWithoutAskingForItsPassword) {
  // OpenSSL's default would prompt on the terminal and hang a test or a service.
  const auto minted = mint_signed(spec(), "RS256", rsa_key_1().encrypted_private_pem);

  ASSERT_FALSE(minted);
  EXPECT_EQ(minted.error().code(), core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace platform::auth
