// Keys and raw tokens for the tests of platform::auth: RSA 2048 and EC P-256 key pairs
// made once per run with OpenSSL, their public halves as JWKs, and tokens put together by
// hand (any header, any payload) to try what mint_*() would never make.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace platform::auth::testing {

inline constexpr std::int64_t kNow = 1'700'000'000;
// 40 bytes: over the 32-byte minimum.
inline constexpr std::string_view kSecret = "test-secret-0123456789-0123456789-abcdef";

struct TestKey {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SubjectPublicKeyInfo
  std::string public_der;
  std::string encrypted_private_pem;  // under the password "password"
  // base64url public parameters: n, e (RSA) or x, y (EC)
  std::string a, b;
};

// Made on first use, then the same for the whole run.
const TestKey& rsa_key_1();
const TestKey& rsa_key_2();
const TestKey& ec_key_1();
const TestKey& ec_key_2();
TestKey make_rsa_key(int bits);

// {"kty":"RSA","kid":...,"n":...,"e":...[,"alg":...]} (kid and alg left out when empty)
std::string rsa_jwk(const TestKey& key, std::string_view kid, std::string_view alg = "RS256");
std::string ec_jwk(const TestKey& key, std::string_view kid, std::string_view alg = "ES256");
std::string oct_jwk(std::string_view secret, std::string_view kid);
// {"keys":[<jwks joined>]}
std::string jwks(const std::vector<std::string>& keys);

// base64url(header).base64url(payload).base64url(signature), the parts as given.
std::string raw_token(std::string_view header, std::string_view payload,
                      std::string_view signature);
// The same with a correct HS256 signature under `secret`.
std::string hs256_token(std::string_view header, std::string_view payload,
                        std::string_view secret = kSecret);
// The same with an RS256 or ES256 (raw r||s) signature made by OpenSSL directly.
std::string signed_token(std::string_view header, std::string_view payload, const TestKey& key,
                         std::string_view algorithm);
// A payload that the default VerifierOptions accept at kNow: sub "u-1", iss and aud
// "syllabus-platform", iat kNow - 10, exp kNow + 600; each change sets a member to the
// raw JSON given ({"roles", R"(["a"])"}), or removes it when that is empty.
using Changes = std::vector<std::pair<std::string, std::string>>;
std::string payload(const Changes& changes = {});

}  // namespace platform::auth::testing
