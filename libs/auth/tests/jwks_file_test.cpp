#include "platform/auth/jwks_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "platform/auth/mint.h"
#include "test_keys.h"

namespace platform::auth {
namespace {

using testing::ec_jwk;
using testing::ec_key_1;
using testing::jwks;
using testing::kNow;
using testing::kSecret;
using testing::rsa_jwk;
using testing::rsa_key_1;
using testing::rsa_key_2;

class JwksFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("auth-jwks-file-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    file_ = directory_ / "jwks.json";
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  // Writes `text` and moves the modification time on, as a later write would (the file
  // system's clock may not have ticked between two writes of a fast test).
  void write(const std::string& text) {
    std::ofstream(file_, std::ios::trunc) << text;
    std::filesystem::last_write_time(
        file_, std::filesystem::file_time_type::clock::now() + std::chrono::seconds(++writes_));
  }

  static std::string token(std::string_view algorithm, const testing::TestKey& key,
                           std::string kid) {
    TokenSpec spec{.subject = "u-1", .issued_at = kNow, .key_id = std::move(kid)};
    return *mint_signed(spec, algorithm, key.private_pem);
  }

  std::filesystem::path directory_;
  std::filesystem::path file_;
  int writes_ = 0;
};

TEST_F(JwksFileTest, LoadsTheFileAndReportsNoChangeUntilItChanges) {
  write(jwks({rsa_jwk(rsa_key_1(), "rsa-1")}));
  auto jwks_file = JwksFile::load(file_);
  ASSERT_TRUE(jwks_file) << jwks_file.error().detail();
  Verifier verifier({}, jwks_file->keys());

  EXPECT_TRUE(verifier.verify(token("RS256", rsa_key_1(), "rsa-1"), kNow));
  const auto changed = jwks_file->reload_if_changed(verifier);
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
}

TEST_F(JwksFileTest, SwapsInTheKeysOfAChangedFile) {
  write(jwks({rsa_jwk(rsa_key_1(), "rsa-1")}));
  auto jwks_file = JwksFile::load(file_);
  ASSERT_TRUE(jwks_file);
  Verifier verifier({}, jwks_file->keys());
  const std::string old_token = token("RS256", rsa_key_1(), "rsa-1");
  const std::string new_token = token("RS256", rsa_key_2(), "rsa-2");
  ASSERT_FALSE(verifier.verify(new_token, kNow));

  write(jwks({rsa_jwk(rsa_key_2(), "rsa-2")}));
  const auto changed = jwks_file->reload_if_changed(verifier);

  ASSERT_TRUE(changed) << changed.error().detail();
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(verifier.verify(new_token, kNow));
  EXPECT_EQ(verifier.verify(old_token, kNow).error().reason, TokenFailure::kUnknownKey);
  EXPECT_EQ(jwks_file->keys()->key_ids(), std::vector<std::string>{"rsa-2"});
}

TEST_F(JwksFileTest, KeepsTheOldKeysWhenTheNewFileIsBad) {
  write(jwks({rsa_jwk(rsa_key_1(), "rsa-1")}));
  auto jwks_file = JwksFile::load(file_);
  ASSERT_TRUE(jwks_file);
  Verifier verifier({}, jwks_file->keys());
  const std::string old_token = token("RS256", rsa_key_1(), "rsa-1");

  write(R"({"keys":[{"kty":"RSA","kid":"half-written","n":"AQAB)");
  const auto bad = jwks_file->reload_if_changed(verifier);
  const auto again = jwks_file->reload_if_changed(verifier);

  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().detail().find("jwks.json"), std::string::npos);
  ASSERT_TRUE(again);  // reported once per change of the file
  EXPECT_FALSE(*again);
  EXPECT_TRUE(verifier.verify(old_token, kNow));
  EXPECT_EQ(jwks_file->keys()->key_ids(), std::vector<std::string>{"rsa-1"});

  write(jwks({ec_jwk(ec_key_1(), "ec-1")}));  // fixed
  const auto fixed = jwks_file->reload_if_changed(verifier);
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(*fixed);
  EXPECT_TRUE(verifier.verify(token("ES256", ec_key_1(), "ec-1"), kNow));
}

TEST_F(JwksFileTest, KeepsTheOldKeysWhenTheFileGoesAway) {
  write(jwks({rsa_jwk(rsa_key_1(), "rsa-1")}));
  auto jwks_file = JwksFile::load(file_);
  ASSERT_TRUE(jwks_file);
  Verifier verifier({}, jwks_file->keys());

  std::filesystem::remove(file_);
  const auto gone = jwks_file->reload_if_changed(verifier);
  const auto again = jwks_file->reload_if_changed(verifier);

  ASSERT_FALSE(gone);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_TRUE(verifier.verify(token("RS256", rsa_key_1(), "rsa-1"), kNow));
}

TEST_F(JwksFileTest, KeepsTheSecretAcrossReloads) {
  write(jwks({rsa_jwk(rsa_key_1(), "rsa-1")}));
  auto secret = KeySet::from_secret(std::string(kSecret));
  ASSERT_TRUE(secret);
  auto jwks_file = JwksFile::load(file_, *secret);
  ASSERT_TRUE(jwks_file);
  Verifier verifier({}, jwks_file->keys());
  const std::string hs_token = *mint_hs256({.subject = "u-1", .issued_at = kNow}, kSecret);
  ASSERT_TRUE(verifier.verify(hs_token, kNow));

  write(jwks({rsa_jwk(rsa_key_2(), "rsa-2")}));
  ASSERT_TRUE(jwks_file->reload_if_changed(verifier));

  EXPECT_TRUE(verifier.verify(hs_token, kNow));
  EXPECT_TRUE(verifier.verify(token("RS256", rsa_key_2(), "rsa-2"), kNow));
}

TEST_F(JwksFileTest, RefusesToStartWithABadFile) {
  write("{}");

  const auto jwks_file = JwksFile::load(file_);
  const auto missing = JwksFile::load(directory_ / "missing.json");

  ASSERT_FALSE(jwks_file);
  EXPECT_EQ(jwks_file.error().code(), core::ErrorCode::kInvalidArgument);
  ASSERT_FALSE(missing);
}

}  // namespace
}  // namespace platform::auth
