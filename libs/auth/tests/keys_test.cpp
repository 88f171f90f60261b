#include "platform/auth/keys.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "platform/core/strings.h"
#include "test_keys.h"

namespace platform::auth {
namespace {

using testing::ec_jwk;
using testing::ec_key_1;
using testing::jwks;
using testing::kSecret;
using testing::oct_jwk;
using testing::rsa_jwk;
using testing::rsa_key_1;
using testing::rsa_key_2;

// The detail of the error `keys` holds; a test failure when it holds keys.
std::string refusal(const core::Result<KeySet>& keys) {
  if (keys) {
    ADD_FAILURE() << "accepted";
    return "";
  }
  EXPECT_EQ(keys.error().code(), core::ErrorCode::kInvalidArgument);
  return keys.error().detail();
}

TEST(KeySet, TakesASecretOfAtLeast32Bytes) {
  const auto keys = KeySet::from_secret(std::string(kSecret), "hs-1");

  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->key_ids(), std::vector<std::string>{"hs-1"});
}

TEST(KeySet, RefusesAShortSecretWithoutEchoingIt) {
  const std::string detail = refusal(KeySet::from_secret("short-but-secret-31-bytes-long!"));

  EXPECT_NE(detail.find("32"), std::string::npos);
  EXPECT_EQ(detail.find("short-but-secret"), std::string::npos);
}

TEST(KeySet, ReadsRsaEcAndSymmetricKeysFromAJwks) {
  const auto keys = KeySet::from_jwks(
      jwks({rsa_jwk(rsa_key_1(), "rsa-1"), ec_jwk(ec_key_1(), "ec-1"), oct_jwk(kSecret, "hs-1")}));

  ASSERT_TRUE(keys) << keys.error().detail();
  EXPECT_EQ(keys->key_ids(), (std::vector<std::string>{"rsa-1", "ec-1", "hs-1"}));
}

TEST(KeySet, TakesAKeyWithoutAlgForItsTypesOneAlgorithm) {
  const auto keys =
      KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "rsa-1", ""), ec_jwk(ec_key_1(), "ec-1", "")}));

  ASSERT_TRUE(keys) << keys.error().detail();
  EXPECT_EQ(keys->size(), 2u);
}

TEST(KeySet, TakesASingleKeyWithoutKid) {
  const auto keys = KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "")}));

  ASSERT_TRUE(keys) << keys.error().detail();
  EXPECT_EQ(keys->key_ids(), std::vector<std::string>{""});
}

TEST(KeySet, SkipsKeysThatAreNotForUs) {
  const std::string encryption = R"({"kty":"RSA","kid":"enc-1","use":"enc","alg":"RSA-OAEP",)"
                                 R"("n":")" +
                                 rsa_key_2().a + R"(","e":"AQAB"})";
  const std::string wrap_only = R"({"kty":"oct","kid":"wrap","key_ops":["wrapKey"],"k":")" +
                                core::base64url_encode(kSecret) + R"("})";
  const std::string okp =
      R"({"kty":"OKP","kid":"ed-1","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
  const std::string p384 = R"({"kty":"EC","kid":"p384","crv":"P-384","x":"AA","y":"AA"})";
  const std::string rs512 = rsa_jwk(rsa_key_2(), "rs512", "RS512");
  const std::string ps256 = rsa_jwk(rsa_key_2(), "ps256", "PS256");

  const auto keys = KeySet::from_jwks(
      jwks({encryption, wrap_only, okp, p384, rs512, ps256, rsa_jwk(rsa_key_1(), "rsa-1")}));

  ASSERT_TRUE(keys) << keys.error().detail();
  EXPECT_EQ(keys->key_ids(), std::vector<std::string>{"rsa-1"});
}

TEST(KeySet, RefusesAnRsaKeyThatDoesNotParseNamingItsKid) {
  std::string bad_n = rsa_jwk(rsa_key_1(), "rsa-bad");
  bad_n.replace(bad_n.find(rsa_key_1().a), 4, "+/==");
  std::string no_e = R"({"kty":"RSA","kid":"rsa-bad","n":")" + rsa_key_1().a + R"("})";
  std::string even = rsa_jwk(rsa_key_1(), "rsa-bad");
  // An even modulus is no product of two odd primes.
  char& last = even[even.find(rsa_key_1().a) + rsa_key_1().a.size() - 1];
  last = 'A';

  for (const auto& jwk : {bad_n, no_e, even}) {
    SCOPED_TRACE(jwk);
    EXPECT_NE(refusal(KeySet::from_jwks(jwks({jwk}))).find("rsa-bad"), std::string::npos);
  }
}

TEST(KeySet, RefusesAnRsaKeyUnder2048Bits) {
  const auto small = testing::make_rsa_key(1024);

  EXPECT_NE(refusal(KeySet::from_jwks(jwks({rsa_jwk(small, "rsa-1024")}))).find("2048"),
            std::string::npos);
}

TEST(KeySet, RefusesAnEcPointOffTheCurve) {
  testing::TestKey off_curve = ec_key_1();
  // Another y for the same x: not on the curve (the two points with x have y and p - y).
  off_curve.b = core::base64url_encode(std::string(31, '\x11') + '\x22');
  testing::TestKey short_x = ec_key_1();
  short_x.a = core::base64url_encode(std::string(31, '\x11'));

  EXPECT_NE(refusal(KeySet::from_jwks(jwks({ec_jwk(off_curve, "ec-bad")}))).find("ec-bad"),
            std::string::npos);
  EXPECT_NE(refusal(KeySet::from_jwks(jwks({ec_jwk(short_x, "ec-short")}))).find("ec-short"),
            std::string::npos);
}

TEST(KeySet, RefusesAShortSymmetricKeyWithoutEchoingIt) {
  const std::string detail =
      refusal(KeySet::from_jwks(jwks({oct_jwk("thirty-one-bytes-of-a-secret!!!", "hs-short")})));

  EXPECT_NE(detail.find("hs-short"), std::string::npos);
  EXPECT_EQ(detail.find(core::base64url_encode("thirty-one-bytes-of-a-secret!!!")),
            std::string::npos);
}

TEST(KeySet, RefusesKidsThatRepeatOrAreMissingAmongSeveral) {
  EXPECT_NE(
      refusal(KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "same"), ec_jwk(ec_key_1(), "same")})))
          .find("same"),
      std::string::npos);
  refusal(KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "rsa-1"), ec_jwk(ec_key_1(), "")})));
  refusal(KeySet::from_jwks(R"({"keys":[{"kty":"oct","kid":7,"k":")" +
                            core::base64url_encode(kSecret) + R"("}]})"));
}

TEST(KeySet, RefusesDocumentsThatAreNotAJwks) {
  for (const std::string text :
       {"", "not json", "[]", "{}", R"({"keys":{}})", R"({"keys":[]})", R"({"keys":[1]})",
        R"({"keys":[{"kty":"OKP"}]})", R"({"keys":[{"kty":"RSA","alg":7}]})"}) {
    SCOPED_TRACE(text);
    refusal(KeySet::from_jwks(text));
  }
  refusal(KeySet::from_jwks(std::string(kMaxJwksBytes + 1, ' ')));
}

TEST(KeySet, ReadsAJwksFileAndNamesAFileItCannotRead) {
  const auto directory =
      std::filesystem::temp_directory_path() / ("auth-keys-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const auto file = directory / "jwks.json";
  std::ofstream(file) << jwks({rsa_jwk(rsa_key_1(), "rsa-1")});

  const auto keys = KeySet::from_jwks_file(file);
  const std::string missing = refusal(KeySet::from_jwks_file(directory / "missing.json"));
  std::ofstream(file) << "{";
  const std::string bad = refusal(KeySet::from_jwks_file(file));
  std::filesystem::remove_all(directory);

  ASSERT_TRUE(keys) << keys.error().detail();
  EXPECT_EQ(keys->key_ids(), std::vector<std::string>{"rsa-1"});
  EXPECT_NE(missing.find("missing.json"), std::string::npos);
  EXPECT_NE(bad.find("jwks.json"), std::string::npos);
}

TEST(KeySet, MergesASecretWithAJwks) {
  auto keys = KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "rsa-1")}));
  ASSERT_TRUE(keys);

  ASSERT_TRUE(keys->add(*KeySet::from_secret(std::string(kSecret))));

  EXPECT_EQ(keys->key_ids(), (std::vector<std::string>{"rsa-1", ""}));
}

TEST(KeySet, RefusesAMergeThatWouldMakeKeysAmbiguous) {
  auto keys = KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "k1")}));
  ASSERT_TRUE(keys);
  auto unnamed = KeySet::from_secret(std::string(kSecret));
  ASSERT_TRUE(unnamed);
  ASSERT_TRUE(keys->add(*unnamed));

  const auto same_kid = keys->add(*KeySet::from_secret(std::string(kSecret), "k1"));
  const auto two_unnamed = keys->add(*unnamed);

  ASSERT_FALSE(same_kid);
  EXPECT_NE(same_kid.error().detail().find("k1"), std::string::npos);
  ASSERT_FALSE(two_unnamed);
  EXPECT_EQ(keys->size(), 2u);  // unchanged
}

}  // namespace
}  // namespace platform::auth
