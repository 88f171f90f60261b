#include "application/url_signer.h"

#include <gtest/gtest.h>

#include "platform/core/strings.h"

namespace file_service::application {
namespace {

using platform::core::ErrorCode;
using Query = std::vector<std::pair<std::string, std::string>>;

const std::string kSecretA(32, 'a');
const std::string kSecretB = "0123456789abcdef0123456789abcdef0123";
constexpr std::int64_t kNow = 1'767'225'600;  // 2026-01-01T00:00:00Z
const std::string kPath = "/files/0b8e6c1e-7d1f-4c59-a7a5-1b1f6c2e8d11/content";

UrlSigner signer_with(std::vector<SigningKey> keys) {
  auto ring = SigningKeyRing::create(std::move(keys));
  EXPECT_TRUE(ring.has_value()) << (ring ? "" : ring.error().field_errors().at(0).message);
  return UrlSigner(std::move(*ring));
}

UrlSigner default_signer() {
  return signer_with({{"k1", kSecretA, std::nullopt}});
}

Query parse_query(std::string_view query) {
  Query pairs;
  for (std::string_view pair : platform::core::split(query, '&')) {
    const std::size_t equals = pair.find('=');
    pairs.emplace_back(std::string(pair.substr(0, equals)), std::string(pair.substr(equals + 1)));
  }
  return pairs;
}

void expect_denied(const platform::core::Result<void>& result, std::string_view detail_part) {
  ASSERT_FALSE(result.has_value()) << "expected: " << detail_part;
  EXPECT_EQ(result.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(result.error().detail().find(detail_part), std::string::npos)
      << result.error().detail();
}

std::string& value_of(Query& query, std::string_view name) {
  for (auto& [key, value] : query)
    if (key == name) return value;
  ADD_FAILURE() << "no " << name;
  static std::string none;
  return none;
}

TEST(UrlSigner, SignsAQueryWithExpiryKeyAndUnpaddedBase64UrlSignature) {
  const std::string query = default_signer().sign("GET", kPath, kNow + 300);
  const Query pairs = parse_query(query);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"expires", "1767225900"}));
  EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"kid", "k1"}));
  EXPECT_EQ(pairs[2].first, "signature");
  EXPECT_EQ(pairs[2].second.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(pairs[2].second.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(UrlSigner, MatchesAKnownHmacSha256) {
  // HMAC-SHA256 over "GET\n/files/x/content\n1767225900\nk1" with 32 x 'a', computed with
  // `printf 'GET\n/files/x/content\n1767225900\nk1' | openssl dgst -sha256 -hmac aaa...`.
  const std::string query = default_signer().sign("GET", "/files/x/content", kNow + 300);
  EXPECT_EQ(query,
            "expires=1767225900&kid=k1&signature=OaPI7tSJVwH8pNMlv15sUV6ZS-1V_-eDYb4Qid6MiL0");
}

TEST(UrlSigner, VerifiesItsOwnSignatureUntilItExpires) {
  const UrlSigner signer = default_signer();
  const Query query = parse_query(signer.sign("GET", kPath, kNow + 300));
  EXPECT_TRUE(signer.verify("GET", kPath, query, kNow).has_value());
  EXPECT_TRUE(signer.verify("GET", kPath, query, kNow + 299).has_value());
  expect_denied(signer.verify("GET", kPath, query, kNow + 300), "expired");
  expect_denied(signer.verify("GET", kPath, query, kNow + 10'000), "expired");
}

TEST(UrlSigner, IgnoresOtherQueryParameters) {
  const UrlSigner signer = default_signer();
  Query query = parse_query(signer.sign("GET", kPath, kNow + 300));
  query.insert(query.begin(), {"download", "1"});
  EXPECT_TRUE(signer.verify("GET", kPath, query, kNow).has_value());
}

TEST(UrlSigner, RefusesAnotherFilesPathOrMethod) {
  const UrlSigner signer = default_signer();
  const Query query = parse_query(signer.sign("GET", kPath, kNow + 300));
  expect_denied(
      signer.verify("GET", "/files/00000000-0000-0000-0000-000000000000/content", query, kNow),
      "signature does not match");
  expect_denied(signer.verify("DELETE", kPath, query, kNow), "signature does not match");
  expect_denied(signer.verify("GET", kPath + "/", query, kNow), "signature does not match");
}

TEST(UrlSigner, RefusesATamperedSignatureExpiryOrKey) {
  const UrlSigner signer =
      signer_with({{"k2", kSecretB, std::nullopt}, {"k1", kSecretA, std::nullopt}});
  const Query signed_query = parse_query(signer.sign("GET", kPath, kNow + 300));

  Query later = signed_query;
  value_of(later, "expires") = std::to_string(kNow + 100'000);
  expect_denied(signer.verify("GET", kPath, later, kNow), "signature does not match");

  Query padded = signed_query;  // the same number spelt differently is another text
  value_of(padded, "expires") = "0" + value_of(padded, "expires");
  expect_denied(signer.verify("GET", kPath, padded, kNow), "signature does not match");

  Query other_key = signed_query;
  value_of(other_key, "kid") = "k1";
  expect_denied(signer.verify("GET", kPath, other_key, kNow), "signature does not match");

  for (std::size_t i = 0; i < 43; ++i) {
    Query flipped = signed_query;
    std::string& signature = value_of(flipped, "signature");
    signature[i] = signature[i] == 'A' ? 'B' : 'A';
    expect_denied(signer.verify("GET", kPath, flipped, kNow), "signature does not match");
  }

  Query truncated = signed_query;
  value_of(truncated, "signature").pop_back();
  expect_denied(signer.verify("GET", kPath, truncated, kNow), "signature does not match");
  Query padded_signature = signed_query;
  value_of(padded_signature, "signature") += "=";
  expect_denied(signer.verify("GET", kPath, padded_signature, kNow), "signature does not match");
}

TEST(UrlSigner, RefusesAnExpiredSignatureOnlyAfterCheckingIt) {
  const UrlSigner signer = default_signer();
  Query query = parse_query(signer.sign("GET", kPath, kNow - 1));
  expect_denied(signer.verify("GET", kPath, query, kNow), "has expired");
  value_of(query, "signature")[0] ^= 1;
  expect_denied(signer.verify("GET", kPath, query, kNow), "signature does not match");
}

TEST(UrlSigner, RefusesMissingRepeatedOrNonNumericParameters) {
  const UrlSigner signer = default_signer();
  const Query query = parse_query(signer.sign("GET", kPath, kNow + 300));
  for (std::size_t drop = 0; drop < query.size(); ++drop) {
    Query missing = query;
    missing.erase(missing.begin() + static_cast<std::ptrdiff_t>(drop));
    expect_denied(signer.verify("GET", kPath, missing, kNow), "not signed");
  }
  expect_denied(signer.verify("GET", kPath, {}, kNow), "not signed");

  Query repeated = query;
  repeated.push_back(query[2]);
  expect_denied(signer.verify("GET", kPath, repeated, kNow), "repeats its signature");

  for (std::string_view expires :
       {"", "soon", "-1", "1e9", " 1767225900", "99999999999999999999"}) {
    Query odd = query;
    value_of(odd, "expires") = std::string(expires);
    expect_denied(signer.verify("GET", kPath, odd, kNow), "not a number");
  }
}

TEST(UrlSigner, RefusesAnUnknownKeyId) {
  const UrlSigner signer = default_signer();
  Query query = parse_query(signer.sign("GET", kPath, kNow + 300));
  value_of(query, "kid") = "k9";
  expect_denied(signer.verify("GET", kPath, query, kNow), "unknown key");
}

TEST(UrlSigner, VerifiesARetiredKeyUntilItsGraceEnds) {
  const UrlSigner old_signer = default_signer();
  const Query old_query = parse_query(old_signer.sign("GET", kPath, kNow + 3600));
  const UrlSigner rotated =
      signer_with({{"k2", kSecretB, std::nullopt}, {"k1", kSecretA, kNow + 600}});
  EXPECT_TRUE(rotated.verify("GET", kPath, old_query, kNow).has_value());
  EXPECT_TRUE(rotated.verify("GET", kPath, old_query, kNow + 599).has_value());
  expect_denied(rotated.verify("GET", kPath, old_query, kNow + 600), "retired");
  // The new key signs.
  EXPECT_NE(rotated.sign("GET", kPath, kNow + 60).find("kid=k2"), std::string::npos);
}

// --- the key ring --------------------------------------------------------------------

std::string b64(std::string_view bytes) {
  return platform::core::base64url_encode(bytes);
}

std::string setting_error(std::string_view setting) {
  auto ring = SigningKeyRing::parse(setting);
  EXPECT_FALSE(ring.has_value()) << setting;
  if (ring) return {};
  EXPECT_EQ(ring.error().code(), ErrorCode::kInvalidArgument);
  return ring.error().field_errors().at(0).message;
}

TEST(SigningKeyRing, ParsesKeysWithAndWithoutGraceEnds) {
  // Standard base64 with padding and base64url without both work.
  const std::string standard = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIz";  // kSecretB
  auto ring = SigningKeyRing::parse(" k2:" + standard + " , k1:" + b64(kSecretA) +
                                    ":2026-01-01T00:10:00Z, k0:" + b64(kSecretA) + "==");
  ASSERT_TRUE(ring.has_value()) << ring.error().field_errors().at(0).message;
  EXPECT_EQ(ring->signing_key().id, "k2");
  EXPECT_EQ(ring->signing_key().secret, kSecretB);
  ASSERT_NE(ring->find("k1"), nullptr);
  EXPECT_EQ(ring->find("k1")->secret, kSecretA);
  EXPECT_EQ(ring->find("k1")->not_after, kNow + 600);
  EXPECT_EQ(ring->find("k0")->not_after, std::nullopt);
  EXPECT_EQ(ring->find("k3"), nullptr);
  // "+/" as well as "-_".
  auto slashes = SigningKeyRing::parse("k:+/+/" + b64(kSecretA));
  ASSERT_TRUE(slashes.has_value());
}

TEST(SigningKeyRing, NamesTheBadEntryWithoutShowingTheSecret) {
  const std::string short_secret = b64("short-secret-value");
  std::string message = setting_error("k1:" + b64(kSecretA) + ",k2:" + short_secret);
  EXPECT_NE(message.find("key 2 (\"k2\")"), std::string::npos) << message;
  EXPECT_NE(message.find("at least 32 bytes"), std::string::npos) << message;
  EXPECT_EQ(message.find(short_secret), std::string::npos) << message;

  message = setting_error("k1:not*base64!");
  EXPECT_NE(message.find("not base64"), std::string::npos) << message;
  EXPECT_EQ(message.find("not*base64!"), std::string::npos) << message;

  message = setting_error("k1:" + b64(kSecretA) + ",k2:" + b64(kSecretB) + ":yesterday");
  EXPECT_NE(message.find("key 2 (\"k2\"): not_after"), std::string::npos) << message;

  message = setting_error("k1:" + b64(kSecretA) + ",k1:" + b64(kSecretB));
  EXPECT_NE(message.find("used twice"), std::string::npos) << message;

  message = setting_error("k 1:" + b64(kSecretA));
  EXPECT_NE(message.find("key 1: the key id"), std::string::npos) << message;

  message = setting_error(b64(kSecretA));
  EXPECT_NE(message.find("expected kid:base64secret"), std::string::npos) << message;
  EXPECT_EQ(message.find(b64(kSecretA)), std::string::npos) << message;

  message = setting_error("k1:" + b64(kSecretA) + ":2026-01-01T00:00:00Z");
  EXPECT_NE(message.find("first key signs"), std::string::npos) << message;

  message = setting_error(" , ");
  EXPECT_NE(message.find("at least one"), std::string::npos) << message;
}

}  // namespace
}  // namespace file_service::application
