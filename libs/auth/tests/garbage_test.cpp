// Whatever comes in an Authorization header, verify() answers with a refusal: no crash,
// no exception, no acceptance. Random and mutated tokens from a fixed seed, so that a
// failure can be replayed.
#include <gtest/gtest.h>

#include <random>

#include "platform/auth/jwt.h"
#include "platform/auth/mint.h"
#include "platform/core/strings.h"
#include "test_keys.h"

namespace platform::auth {
namespace {

using testing::kNow;

class Garbage : public ::testing::Test {
 protected:
  Garbage() {
    auto keys = KeySet::from_jwks(testing::jwks({testing::rsa_jwk(testing::rsa_key_1(), "rsa-1"),
                                                 testing::ec_jwk(testing::ec_key_1(), "ec-1"),
                                                 testing::oct_jwk(testing::kSecret, "hs-1")}));
    verifier_ = std::make_unique<Verifier>(VerifierOptions{},
                                           std::make_shared<const KeySet>(std::move(*keys)));
    const TokenSpec spec{.subject = "u-1", .roles = {"a"}, .issued_at = kNow};
    TokenSpec hs = spec;
    hs.key_id = "hs-1";
    TokenSpec rs = spec;
    rs.key_id = "rsa-1";
    TokenSpec es = spec;
    es.key_id = "ec-1";
    good_ = {*mint_hs256(hs, testing::kSecret),
             *mint_signed(rs, "RS256", testing::rsa_key_1().private_pem),
             *mint_signed(es, "ES256", testing::ec_key_1().private_pem)};
  }

  // Fails the test when `token` is accepted (verify() itself must not throw).
  void expect_refused(const std::string& token) {
    const auto result = verifier_->verify(token, kNow);
    EXPECT_FALSE(result) << token;
  }

  std::unique_ptr<Verifier> verifier_;
  std::vector<std::string> good_;
  std::mt19937 random_{20240601};
};

TEST_F(Garbage, TheGoodTokensAreGood) {
  for (const auto& token : good_) EXPECT_TRUE(verifier_->verify(token, kNow)) << token;
}

TEST_F(Garbage, RefusesEveryTruncation) {
  for (const auto& token : good_) {
    for (std::size_t length = 0; length < token.size(); ++length) {
      expect_refused(token.substr(0, length));
    }
  }
}

TEST_F(Garbage, RefusesEverySingleCharacterChange) {
  // With a NUL and a byte that is no UTF-8: a string_view keeps both.
  using namespace std::string_view_literals;
  constexpr std::string_view characters =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \0\xff"sv;
  for (const auto& token : good_) {
    for (std::size_t at = 0; at < token.size(); ++at) {
      std::string changed = token;
      do {
        changed[at] = characters[random_() % characters.size()];
      } while (changed[at] == token[at]);
      expect_refused(changed);
    }
  }
}

TEST_F(Garbage, RefusesRandomBytes) {
  for (int i = 0; i < 3000; ++i) {
    std::string token(random_() % 300, '\0');
    for (char& c : token) c = static_cast<char>(random_() % 256);
    expect_refused(token);
  }
}

TEST_F(Garbage, RefusesRandomBase64UrlSegments) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 3000; ++i) {
    std::string token;
    const int segments = 1 + static_cast<int>(random_() % 4);
    for (int s = 0; s < segments; ++s) {
      if (s > 0) token += '.';
      const std::size_t length = random_() % 120;
      for (std::size_t k = 0; k < length; ++k) token += alphabet[random_() % alphabet.size()];
    }
    expect_refused(token);
  }
}

TEST_F(Garbage, RefusesRandomJsonShapedHeadersAndPayloads) {
  // Valid base64url of JSON-ish text, so that the parser, not the decoder, sees it.
  const std::vector<std::string> pieces = {
      "{",           "}",           "[",         "]",
      "\"alg\"",     "\"HS256\"",   "\"RS256\"", "\"none\"",
      ":",           ",",           "\"kid\"",   "\"rsa-1\"",
      "null",        "1e999",       "-0",        "18446744073709551616",
      "\"\\ud800\"", "\"\\u0000\"", "true",      "\"sub\"",
      "\"exp\"",     "\"roles\"",   " ",         "\xc3\x28",
      "\"crit\""};
  for (int i = 0; i < 3000; ++i) {
    std::string header;
    std::string payload;
    const std::size_t header_pieces = random_() % 12;
    const std::size_t payload_pieces = random_() % 20;
    for (std::size_t k = 0; k < header_pieces; ++k) header += pieces[random_() % pieces.size()];
    for (std::size_t k = 0; k < payload_pieces; ++k) payload += pieces[random_() % pieces.size()];
    expect_refused(testing::hs256_token(header, payload));
    expect_refused(testing::raw_token(header, payload, "x"));
  }
}

TEST_F(Garbage, RefusesDeeplyNestedJsonWithoutOverflowingTheStack) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');

  expect_refused(testing::hs256_token(deep, testing::payload()));
  expect_refused(testing::hs256_token(R"({"alg":"HS256"})", deep));
  expect_refused(testing::hs256_token(
      R"({"alg":"HS256"})",
      testing::payload({{"x", std::string(2000, '[') + std::string(2000, ']')}})));
}

}  // namespace
}  // namespace platform::auth
