#include "platform/auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <atomic>
#include <thread>

#include "platform/auth/mint.h"
#include "platform/core/strings.h"
#include "test_keys.h"

namespace platform::auth {
namespace {

using testing::ec_jwk;
using testing::ec_key_1;
using testing::ec_key_2;
using testing::hs256_token;
using testing::jwks;
using testing::kNow;
using testing::kSecret;
using testing::payload;
using testing::raw_token;
using testing::rsa_jwk;
using testing::rsa_key_1;
using testing::rsa_key_2;
using testing::signed_token;

constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

std::shared_ptr<const KeySet> shared(core::Result<KeySet> keys) {
  EXPECT_TRUE(keys.has_value()) << (keys ? "" : keys.error().detail());
  return std::make_shared<const KeySet>(std::move(*keys));
}

std::shared_ptr<const KeySet> secret_keys() {
  return shared(KeySet::from_secret(std::string(kSecret)));
}

// RSA "rsa-1", EC "ec-1" and the shared secret as "hs-1".
std::shared_ptr<const KeySet> all_keys() {
  return shared(KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "rsa-1"), ec_jwk(ec_key_1(), "ec-1"),
                                        testing::oct_jwk(kSecret, "hs-1")})));
}

TokenSpec spec() {
  return {.subject = "u-42", .roles = {"editor", "viewer"}, .issued_at = kNow - 5};
}

std::string mint(std::string_view algorithm, const testing::TestKey& key, std::string kid) {
  TokenSpec token = spec();
  token.key_id = std::move(kid);
  auto minted = mint_signed(token, algorithm, key.private_pem);
  EXPECT_TRUE(minted.has_value()) << (minted ? "" : minted.error().detail());
  return minted ? *minted : "";
}

std::string mint_hs(const TokenSpec& token = spec()) {
  auto minted = mint_hs256(token, kSecret);
  EXPECT_TRUE(minted.has_value());
  return minted ? *minted : "";
}

// The reason `token` is refused, or a test failure when it is accepted.
TokenFailure refusal(const Verifier& verifier, std::string_view token, std::int64_t now = kNow) {
  const auto result = verifier.verify(token, now);
  if (result) {
    ADD_FAILURE() << "accepted: " << token;
    return TokenFailure::kMissing;
  }
  EXPECT_FALSE(result.error().detail.empty());
  return result.error().reason;
}

// Flips one character of `segment` (0 header, 1 payload, 2 signature), in its middle.
std::string tamper(std::string token, int segment) {
  std::size_t begin = 0;
  for (int i = 0; i < segment; ++i) begin = token.find('.', begin) + 1;
  const std::size_t end = std::min(token.find('.', begin), token.size());
  char& c = token[begin + (end - begin) / 2];
  c = c == 'A' ? 'B' : 'A';
  return token;
}

TEST(Verifier, AcceptsAValidHs256TokenAndReturnsItsClaims) {
  Verifier verifier({}, secret_keys());

  const auto claims = verifier.verify(mint_hs(), kNow);

  ASSERT_TRUE(claims) << claims.error().detail;
  EXPECT_EQ(claims->subject, "u-42");
  EXPECT_EQ(claims->roles, (std::vector<std::string>{"editor", "viewer"}));
  EXPECT_EQ(claims->issuer, "syllabus-platform");
  EXPECT_EQ(claims->audience, std::vector<std::string>{"syllabus-platform"});
  EXPECT_EQ(claims->issued_at, kNow - 5);
  EXPECT_EQ(claims->expires_at, kNow - 5 + 3600);
  EXPECT_EQ(claims->not_before, std::nullopt);
  EXPECT_EQ(claims->algorithm, "HS256");
  EXPECT_EQ(claims->key_id, "");
}

TEST(Verifier, AcceptsAValidRs256Token) {
  Verifier verifier({}, all_keys());

  const auto claims = verifier.verify(mint("RS256", rsa_key_1(), "rsa-1"), kNow);

  ASSERT_TRUE(claims) << claims.error().detail;
  EXPECT_EQ(claims->subject, "u-42");
  EXPECT_EQ(claims->algorithm, "RS256");
  EXPECT_EQ(claims->key_id, "rsa-1");
}

TEST(Verifier, AcceptsAValidEs256Token) {
  Verifier verifier({}, all_keys());

  const auto claims = verifier.verify(mint("ES256", ec_key_1(), "ec-1"), kNow);

  ASSERT_TRUE(claims) << claims.error().detail;
  EXPECT_EQ(claims->algorithm, "ES256");
  EXPECT_EQ(claims->key_id, "ec-1");
}

TEST(Verifier, AcceptsTokensSignedByOpenSslDirectly) {
  // Not only what our own mint_signed() makes: an independent signer, so that the two
  // halves of the library cannot share one mistake (the r||s layout of ES256 above all).
  Verifier verifier({}, all_keys());

  EXPECT_TRUE(verifier.verify(
      signed_token(R"({"alg":"RS256","kid":"rsa-1"})", payload(), rsa_key_1(), "RS256"), kNow));
  EXPECT_TRUE(verifier.verify(
      signed_token(R"({"alg":"ES256","kid":"ec-1"})", payload(), ec_key_1(), "ES256"), kNow));
  EXPECT_TRUE(verifier.verify(hs256_token(R"({"alg":"HS256","kid":"hs-1"})", payload()), kNow));
}

TEST(Verifier, RefusesATamperedPayloadOrSignature) {
  Verifier verifier({}, all_keys());
  for (const auto& token :
       {mint_hs(spec()), mint("RS256", rsa_key_1(), "rsa-1"), mint("ES256", ec_key_1(), "ec-1")}) {
    SCOPED_TRACE(token);
    ASSERT_TRUE(verifier.verify(token, kNow));

    EXPECT_EQ(refusal(verifier, tamper(token, 1)), TokenFailure::kBadSignature);
    EXPECT_EQ(refusal(verifier, tamper(token, 2)), TokenFailure::kBadSignature);
  }
}

TEST(Verifier, RefusesAPayloadSwappedInFromAnotherToken) {
  Verifier verifier({}, secret_keys());
  TokenSpec admin = spec();
  admin.roles = {"admin"};
  const std::string mine = mint_hs();
  const std::string theirs = mint_hs(admin);
  const auto mine_parts = core::split(mine, '.');
  const auto their_parts = core::split(theirs, '.');

  const std::string forged = std::string(mine_parts[0]) + "." + std::string(their_parts[1]) + "." +
                             std::string(mine_parts[2]);

  EXPECT_EQ(refusal(verifier, forged), TokenFailure::kBadSignature);
}

TEST(Verifier, RefusesAnExpiredTokenBeyondTheLeeway) {
  Verifier verifier({.leeway = std::chrono::seconds(30)}, secret_keys());
  const std::string token = mint_hs();  // exp = kNow - 5 + 3600
  const std::int64_t expiry = kNow - 5 + 3600;

  EXPECT_TRUE(verifier.verify(token, expiry - 1));
  EXPECT_TRUE(verifier.verify(token, expiry + 29));  // within the leeway
  EXPECT_EQ(refusal(verifier, token, expiry + 30), TokenFailure::kExpired);
  EXPECT_EQ(refusal(verifier, token, expiry + 100000), TokenFailure::kExpired);
}

TEST(Verifier, RefusesATokenNotYetValidBeyondTheLeeway) {
  Verifier verifier({.leeway = std::chrono::seconds(30)}, secret_keys());
  TokenSpec later = spec();
  later.not_before = kNow + 100;
  const std::string token = mint_hs(later);

  EXPECT_EQ(refusal(verifier, token, kNow), TokenFailure::kNotYetValid);
  EXPECT_EQ(refusal(verifier, token, kNow + 69), TokenFailure::kNotYetValid);
  EXPECT_TRUE(verifier.verify(token, kNow + 70));  // within the leeway
  EXPECT_TRUE(verifier.verify(token, kNow + 100));
}

TEST(Verifier, RefusesATokenIssuedInTheFuture) {
  Verifier verifier({.leeway = std::chrono::seconds(30)}, secret_keys());

  EXPECT_TRUE(verifier.verify(
      hs256_token(kHs256Header, payload({{"iat", std::to_string(kNow + 30)}})), kNow));
  EXPECT_EQ(
      refusal(verifier, hs256_token(kHs256Header, payload({{"iat", std::to_string(kNow + 31)}}))),
      TokenFailure::kNotYetValid);
}

TEST(Verifier, AcceptsFractionalTimes) {
  Verifier verifier({}, secret_keys());
  const auto token = hs256_token(
      kHs256Header, payload({{"exp", std::to_string(kNow + 60) + ".75"}, {"iat", "1.5e9"}}));

  const auto claims = verifier.verify(token, kNow);

  ASSERT_TRUE(claims) << claims.error().detail;
  EXPECT_EQ(claims->expires_at, kNow + 60);
  EXPECT_EQ(claims->issued_at, 1'500'000'000);
}

TEST(Verifier, RefusesAnotherOrAMissingIssuer) {
  Verifier verifier({.issuer = "https://id.example.org"}, secret_keys());
  TokenSpec ours = spec();
  ours.issuer = "https://id.example.org";

  EXPECT_TRUE(verifier.verify(mint_hs(ours), kNow));
  EXPECT_EQ(refusal(verifier, mint_hs()), TokenFailure::kWrongIssuer);
  EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"iss", ""}}))),
            TokenFailure::kWrongIssuer);
  EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"iss", "42"}}))),
            TokenFailure::kBadClaims);
}

TEST(Verifier, RefusesAnotherOrAMissingAudience) {
  Verifier verifier({.audience = "gateway"}, secret_keys());
  TokenSpec ours = spec();
  ours.audience = "gateway";

  EXPECT_TRUE(verifier.verify(mint_hs(ours), kNow));
  EXPECT_EQ(refusal(verifier, mint_hs()), TokenFailure::kWrongAudience);
  EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"aud", ""}}))),
            TokenFailure::kWrongAudience);
  EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"aud", "[]"}}))),
            TokenFailure::kWrongAudience);
}

TEST(Verifier, AcceptsAnAudienceArrayThatContainsOurs) {
  Verifier verifier({.audience = "gateway"}, secret_keys());

  const auto claims = verifier.verify(
      hs256_token(kHs256Header, payload({{"aud", R"(["billing","gateway"])"}})), kNow);

  ASSERT_TRUE(claims) << claims.error().detail;
  EXPECT_EQ(claims->audience, (std::vector<std::string>{"billing", "gateway"}));
  EXPECT_EQ(
      refusal(verifier, hs256_token(kHs256Header, payload({{"aud", R"(["billing","other"])"}}))),
      TokenFailure::kWrongAudience);
  EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"aud", R"(["gateway",7])"}}))),
            TokenFailure::kBadClaims);
  EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"aud", R"({"a":1})"}}))),
            TokenFailure::kBadClaims);
}

TEST(Verifier, RefusesAlgNoneInAnySpellingAndAnyUnknownAlgorithm) {
  Verifier verifier({}, all_keys());
  for (const std::string alg :
       {R"("none")", R"("None")", R"("NONE")", R"("nOnE")", R"("")", R"("HS512")", R"("RS384")",
        R"("PS256")", R"("EdDSA")", R"("hs256")", R"("HS256 ")", "null", "256", R"(["HS256"])"}) {
    SCOPED_TRACE(alg);
    const std::string header = R"({"typ":"JWT","alg":)" + alg + "}";
    // Unsigned, and signed with the secret for good measure.
    EXPECT_EQ(refusal(verifier, raw_token(header, payload(), "")),
              TokenFailure::kUnsupportedAlgorithm);
    EXPECT_EQ(refusal(verifier, hs256_token(header, payload())),
              TokenFailure::kUnsupportedAlgorithm);
  }
  EXPECT_EQ(refusal(verifier, hs256_token(R"({"typ":"JWT"})", payload())),
            TokenFailure::kUnsupportedAlgorithm);
  // With a kid that names a real key, too.
  EXPECT_EQ(refusal(verifier, raw_token(R"({"alg":"none","kid":"rsa-1"})", payload(), "")),
            TokenFailure::kUnsupportedAlgorithm);
}

TEST(Verifier, RefusesAnHs256TokenKeyedWithAnRsaPublicKey) {
  // The classic confusion: an attacker knows the public key and uses its bytes as an
  // HMAC secret; a library that lets the token pick the algorithm would verify it.
  Verifier verifier({}, all_keys());
  for (const auto& secret : {rsa_key_1().public_pem, rsa_key_1().public_der, rsa_key_1().a}) {
    EXPECT_EQ(refusal(verifier, hs256_token(R"({"alg":"HS256","kid":"rsa-1"})", payload(), secret)),
              TokenFailure::kUnsupportedAlgorithm);
    // Without a kid, the one HS256 key is tried, which the attacker does not know.
    EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload(), secret)),
              TokenFailure::kBadSignature);
  }
  // And against RSA keys only, there is no HS256 key at all.
  Verifier rsa_only({}, shared(KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "rsa-1")}))));
  EXPECT_EQ(refusal(rsa_only, hs256_token(kHs256Header, payload(), rsa_key_1().public_pem)),
            TokenFailure::kUnknownKey);
}

TEST(Verifier, UsesEachKeyWithItsOwnAlgorithmOnly) {
  Verifier verifier({}, all_keys());

  EXPECT_EQ(refusal(verifier, mint("RS256", rsa_key_1(), "ec-1")),
            TokenFailure::kUnsupportedAlgorithm);
  EXPECT_EQ(refusal(verifier, mint("ES256", ec_key_1(), "rsa-1")),
            TokenFailure::kUnsupportedAlgorithm);
  EXPECT_EQ(refusal(verifier, mint("ES256", ec_key_1(), "hs-1")),
            TokenFailure::kUnsupportedAlgorithm);
}

TEST(Verifier, RefusesAnUnknownKid) {
  Verifier verifier({}, all_keys());

  EXPECT_EQ(refusal(verifier, mint("RS256", rsa_key_1(), "rsa-9")), TokenFailure::kUnknownKey);
  EXPECT_EQ(refusal(verifier, hs256_token(R"({"alg":"HS256","kid":"HS-1"})", payload())),
            TokenFailure::kUnknownKey);
  EXPECT_EQ(refusal(verifier, hs256_token(R"({"alg":"HS256","kid":7})", payload())),
            TokenFailure::kMalformed);
}

TEST(Verifier, WithoutKidUsesTheOnlyKeyOfTheAlgorithm) {
  Verifier verifier({}, all_keys());  // one key of each algorithm

  EXPECT_TRUE(verifier.verify(mint("RS256", rsa_key_1(), ""), kNow));
  EXPECT_TRUE(verifier.verify(mint("ES256", ec_key_1(), ""), kNow));
  EXPECT_TRUE(verifier.verify(mint_hs(), kNow));

  Verifier two_rsa({}, shared(KeySet::from_jwks(
                           jwks({rsa_jwk(rsa_key_1(), "rsa-1"), rsa_jwk(rsa_key_2(), "rsa-2")}))));
  EXPECT_EQ(refusal(two_rsa, mint("RS256", rsa_key_1(), "")), TokenFailure::kUnknownKey);
  EXPECT_EQ(refusal(two_rsa, mint("ES256", ec_key_1(), "")), TokenFailure::kUnknownKey);
}

TEST(Verifier, VerifiesWithEitherKeyDuringARotation) {
  Verifier verifier({}, shared(KeySet::from_jwks(
                            jwks({rsa_jwk(rsa_key_1(), "2024-01"), rsa_jwk(rsa_key_2(), "2024-02"),
                                  ec_jwk(ec_key_2(), "2024-02-ec")}))));

  const auto old_one = verifier.verify(mint("RS256", rsa_key_1(), "2024-01"), kNow);
  const auto new_one = verifier.verify(mint("RS256", rsa_key_2(), "2024-02"), kNow);
  const auto ec_one = verifier.verify(mint("ES256", ec_key_2(), "2024-02-ec"), kNow);

  ASSERT_TRUE(old_one);
  ASSERT_TRUE(new_one);
  ASSERT_TRUE(ec_one);
  EXPECT_EQ(old_one->key_id, "2024-01");
  EXPECT_EQ(new_one->key_id, "2024-02");
  // A token names the key that signed it, not just any key of the set.
  EXPECT_EQ(refusal(verifier, mint("RS256", rsa_key_1(), "2024-02")), TokenFailure::kBadSignature);
}

TEST(Verifier, NeverTakesAKeyFromTheToken) {
  // The token carries its own key (jwk) and a key URL (jku): both are ignored; the kid
  // still picks our key, whose signature this is not.
  Verifier verifier({}, all_keys());
  const std::string header = R"({"alg":"RS256","kid":"rsa-1","jku":"https://evil.example/jwks",)"
                             R"("jwk":)" +
                             rsa_jwk(rsa_key_2(), "rsa-1") + "}";

  EXPECT_EQ(refusal(verifier, signed_token(header, payload(), rsa_key_2(), "RS256")),
            TokenFailure::kBadSignature);
}

TEST(Verifier, RefusesCriticalHeaderExtensions) {
  Verifier verifier({}, secret_keys());

  EXPECT_EQ(
      refusal(verifier, hs256_token(R"({"alg":"HS256","crit":["b64"],"b64":false})", payload())),
      TokenFailure::kMalformed);
}

TEST(Verifier, RefusesMalformedTokens) {
  Verifier verifier({}, secret_keys());
  const std::string good = mint_hs();
  const auto parts = core::split(good, '.');
  const std::string header(parts[0]), body(parts[1]), signature(parts[2]);

  for (const std::string& token : {
           header + "." + body,                                  // two segments
           header + "." + body + "." + signature + ".",          // four
           header + "." + body + "." + signature + ".x",         // four
           "." + body + "." + signature,                         // empty header
           header + ".." + signature,                            // empty payload
           header + "." + body + "." + signature + "=",          // padding
           header + "=." + body + "." + signature,               // padding
           header + "." + body + "." + signature + "+/",         // base64, not base64url
           header + "." + body + "." + signature + "AB",         // a length no encoding has
           header + "." + body + "." + signature + " ",          // a space
           " " + good,                                           //
           header + "." + body + "!." + signature,               //
           std::string("...."),                                  //
           std::string("."),                                     //
           std::string("a.b.c"),                                 // 'a' is no whole byte
           raw_token("not json", payload(), "sig"),              //
           raw_token("[\"alg\",\"HS256\"]", payload(), "sig"),   // an array header
           raw_token("\"HS256\"", payload(), "sig"),             // a string header
           raw_token(R"({"alg":"HS256"} x)", payload(), "sig"),  // garbage after the object
           raw_token(R"({"alg":"HS256")", payload(), "sig"),     // cut short
           raw_token("{\"alg\":\"HS256\",\"x\":\"\xff\"}", payload(), "sig"),   // not UTF-8
           raw_token(R"({"alg":"HS256","x":[[[[[[]]]]]]})", payload(), "sig"),  // too deep
           hs256_token(kHs256Header, "not json"),  // signed, but no JSON payload
           hs256_token(kHs256Header, "[1,2]"),     //
       }) {
    SCOPED_TRACE(token);
    EXPECT_EQ(refusal(verifier, token), TokenFailure::kMalformed);
  }
}

TEST(Verifier, RefusesNonCanonicalBase64Url) {
  // "QQ" is "A"; "QR" carries the same byte with stray low bits, so that one token could
  // be spelled several ways.
  Verifier verifier({}, secret_keys());
  const std::string good = mint_hs();
  std::string stray = good;
  char& last = stray.back();
  // Turn the last character into a neighbour that differs in the unused low bits only.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto index = alphabet.find(last);
  ASSERT_NE(index, std::string::npos);
  // A 32-byte HMAC is 43 characters: the last one carries 4 bits of data, 2 unused.
  last = alphabet[(index & ~std::size_t{3}) | ((index + 1) & 3)];

  EXPECT_EQ(refusal(verifier, stray), TokenFailure::kMalformed);
}

TEST(Verifier, RefusesAnOverlongTokenBeforeDecodingIt) {
  Verifier verifier({}, secret_keys());
  const std::string padding(kMaxTokenBytes, 'a');
  const std::string huge = hs256_token(kHs256Header, payload({{"pad", "\"" + padding + "\""}}));

  EXPECT_EQ(refusal(verifier, huge), TokenFailure::kMalformed);
  EXPECT_EQ(refusal(verifier, std::string(1 << 20, 'A')), TokenFailure::kMalformed);
}

TEST(Verifier, CallsAnEmptyTokenMissing) {
  Verifier verifier({}, secret_keys());

  EXPECT_EQ(refusal(verifier, ""), TokenFailure::kMissing);
  EXPECT_EQ(refusal(verifier, bearer_token("")), TokenFailure::kMissing);
  EXPECT_EQ(refusal(verifier, bearer_token("Basic dXNlcjpwYXNz")), TokenFailure::kMissing);
}

TEST(Verifier, RefusesRolesThatAreNotAnArrayOfPlainStrings) {
  Verifier verifier({}, secret_keys());
  for (const std::string roles : {R"("admin")", R"({"admin":true})", "null", "true", "1",
                                  R"(["admin",1])", R"(["admin",null])", R"([["admin"]])",
                                  R"([""])", R"(["admin,editor"])", R"(["admin\n"])"}) {
    SCOPED_TRACE(roles);
    EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"roles", roles}}))),
              TokenFailure::kBadClaims);
  }
  const auto none = verifier.verify(hs256_token(kHs256Header, payload()), kNow);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->roles.empty());
  EXPECT_TRUE(verifier.verify(hs256_token(kHs256Header, payload({{"roles", "[]"}})), kNow));
}

TEST(Verifier, RefusesAMissingOrBadSubject) {
  Verifier verifier({}, secret_keys());
  for (const std::string& subject :
       {std::string(), std::string(R"("")"), std::string("42"), std::string("null"),
        std::string(R"(["u-1"])"), std::string(R"("u-1\r\nX-User-Roles: admin")")}) {
    SCOPED_TRACE(subject);
    EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{"sub", subject}}))),
              TokenFailure::kBadClaims);
  }
}

TEST(Verifier, RefusesTimesThatAreNotNumbers) {
  Verifier verifier({}, secret_keys());
  for (const auto& claim : {"exp", "nbf", "iat"}) {
    for (const std::string value :
         {R"("1700000600")", "true", "null", "[1]", "1e300", "18446744073709551615"}) {
      SCOPED_TRACE(std::string(claim) + "=" + value);
      EXPECT_EQ(refusal(verifier, hs256_token(kHs256Header, payload({{claim, value}}))),
                TokenFailure::kBadClaims);
    }
  }
}

TEST(Verifier, RequiresAnExpiryUnlessToldOtherwise) {
  const std::string token = hs256_token(kHs256Header, payload({{"exp", ""}}));

  EXPECT_EQ(refusal(Verifier({}, secret_keys()), token), TokenFailure::kBadClaims);
  EXPECT_TRUE(Verifier({.require_expiry = false}, secret_keys()).verify(token, kNow));
}

TEST(Verifier, RefusesEs256SignaturesOfTheWrongShape) {
  Verifier verifier({}, all_keys());
  const std::string good = mint("ES256", ec_key_1(), "ec-1");
  const std::string input = good.substr(0, good.rfind('.'));
  const std::string raw = *core::base64url_decode(good.substr(good.rfind('.') + 1));
  ASSERT_EQ(raw.size(), 64u);

  for (const std::string& signature :
       {raw.substr(0, 63), raw + '\0', std::string(1, '\0') + raw, std::string(64, '\0'),
        std::string(),
        // r = s = 0 is no signature; and the DER form that EVP takes is not a JWS form.
        std::string(32, '\0') + raw.substr(32)}) {
    EXPECT_EQ(refusal(verifier, input + "." + core::base64url_encode(signature)),
              TokenFailure::kBadSignature);
  }
}

TEST(Verifier, RefusesRs256SignaturesOfTheWrongLength) {
  Verifier verifier({}, all_keys());
  const std::string good = mint("RS256", rsa_key_1(), "rsa-1");
  const std::string input = good.substr(0, good.rfind('.'));
  const std::string raw = *core::base64url_decode(good.substr(good.rfind('.') + 1));

  EXPECT_EQ(refusal(verifier, input + "." + core::base64url_encode(raw.substr(1))),
            TokenFailure::kBadSignature);
  EXPECT_EQ(refusal(verifier, input + "." + core::base64url_encode(std::string(1, '\0') + raw)),
            TokenFailure::kBadSignature);
  EXPECT_EQ(refusal(verifier, input + "."), TokenFailure::kBadSignature);
}

TEST(Verifier, LeavesNoOpenSslErrorsInTheThread) {
  // Asio's TLS streams read OpenSSL's per-thread error queue: a refused token must not
  // leave reasons there for the next TLS read of the same network thread.
  Verifier verifier({}, all_keys());
  const std::string rs = mint("RS256", rsa_key_1(), "rsa-1");
  const std::string es = mint("ES256", ec_key_1(), "ec-1");
  testing::TestKey off_curve = ec_key_1();
  off_curve.b = core::base64url_encode(std::string(32, '\x11'));
  ERR_clear_error();

  EXPECT_FALSE(verifier.verify(tamper(rs, 2), kNow));
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_FALSE(verifier.verify(tamper(es, 2), kNow));
  EXPECT_FALSE(verifier.verify(
      es.substr(0, es.rfind('.') + 1) + core::base64url_encode(std::string(64, '\xff')), kNow));
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_FALSE(KeySet::from_jwks(jwks({ec_jwk(off_curve, "ec-bad")})));
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_FALSE(mint_signed(spec(), "RS256", "garbage"));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Verifier, RefusesEveryTokenWithoutKeys) {
  Verifier no_keys({}, nullptr);
  Verifier empty({}, std::make_shared<const KeySet>());

  EXPECT_EQ(refusal(no_keys, mint_hs()), TokenFailure::kUnknownKey);
  EXPECT_EQ(refusal(empty, mint_hs()), TokenFailure::kUnknownKey);
}

TEST(Verifier, SwapsKeysWhileOtherThreadsVerify) {
  // Both sets hold the key of the token, so every verification must succeed whichever
  // set it sees; a torn swap would crash or refuse.
  const auto first = shared(KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "rsa-1")})));
  const auto second =
      shared(KeySet::from_jwks(jwks({rsa_jwk(rsa_key_1(), "rsa-1"), ec_jwk(ec_key_1(), "ec-1")})));
  Verifier verifier({}, first);
  const std::string token = mint("RS256", rsa_key_1(), "rsa-1");
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> verified{0};

  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      while (!done.load()) {
        if (!verifier.verify(token, kNow)) failures.fetch_add(1);
        verified.fetch_add(1);
      }
    });
  }
  for (int swap = 0; swap < 2000 || verified.load() < 300; ++swap) {
    verifier.replace_keys(swap % 2 == 0 ? second : first);
  }
  done.store(true);
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(verified.load(), 300);
}

TEST(TokenFailure, HasAStableLabelForEachReason) {
  EXPECT_EQ(to_string(TokenFailure::kMissing), "missing");
  EXPECT_EQ(to_string(TokenFailure::kMalformed), "malformed");
  EXPECT_EQ(to_string(TokenFailure::kUnsupportedAlgorithm), "unsupported_algorithm");
  EXPECT_EQ(to_string(TokenFailure::kUnknownKey), "unknown_key");
  EXPECT_EQ(to_string(TokenFailure::kBadSignature), "bad_signature");
  EXPECT_EQ(to_string(TokenFailure::kExpired), "expired");
  EXPECT_EQ(to_string(TokenFailure::kNotYetValid), "not_yet_valid");
  EXPECT_EQ(to_string(TokenFailure::kWrongIssuer), "wrong_issuer");
  EXPECT_EQ(to_string(TokenFailure::kWrongAudience), "wrong_audience");
  EXPECT_EQ(to_string(TokenFailure::kBadClaims), "bad_claims");
}

TEST(TokenFailure, BecomesA401WithAChallenge) {
  const TokenError expired{TokenFailure::kExpired, "the token has expired"};

  EXPECT_EQ(to_error(expired).code(), core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(to_error(expired).detail(), "the token has expired");
  EXPECT_EQ(www_authenticate(expired),
            R"(Bearer error="invalid_token", error_description="the token has expired")");
  EXPECT_EQ(www_authenticate({TokenFailure::kMissing, "no bearer token was given"}), "Bearer");
  EXPECT_EQ(www_authenticate({TokenFailure::kMalformed, "a \"quoted\\\" one\r\n"}),
            R"(Bearer error="invalid_token", error_description="a quoted one")");
}

TEST(TokenFailure, NeverEchoesTheTokenInItsDetail) {
  Verifier verifier({}, all_keys());
  const std::string marker = "SECRET-MARKER-7f3a";
  for (const std::string& token :
       {hs256_token(R"({"alg":"HS256","kid":"SECRET-MARKER-7f3a"})", payload()),
        hs256_token(kHs256Header, payload({{"iss", "\"SECRET-MARKER-7f3a\""}})),
        hs256_token(kHs256Header, payload({{"aud", "\"SECRET-MARKER-7f3a\""}})),
        hs256_token(kHs256Header, payload({{"roles", "\"SECRET-MARKER-7f3a\""}})),
        hs256_token(R"({"alg":"SECRET-MARKER-7f3a"})", payload()),
        hs256_token(R"({"alg":"HS256","kid":"rsa-1"})", payload(), kSecret)}) {
    const auto result = verifier.verify(token, kNow);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().detail.find(marker), std::string::npos) << result.error().detail;
    EXPECT_EQ(result.error().detail.find(kSecret), std::string::npos);
  }
}

TEST(BearerToken, TakesTheTokenOfABearerAuthorization) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("  BEARER   abc.def.ghi  "), "abc.def.ghi");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token(""), "");
}

}  // namespace
}  // namespace platform::auth
