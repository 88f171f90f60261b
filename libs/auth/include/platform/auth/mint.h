// Minting JWTs: what `sylctl token` and the tests use to make the tokens that Verifier
// (jwt.h) accepts. HS256 with a shared secret; RS256 or ES256 with a PEM private key.
//
//   TokenSpec spec{.subject = "u-42", .roles = {"editor"}, .issued_at = std::time(nullptr)};
//   auto token = mint_hs256(spec, secret);               // "eyJ...": header.payload.sig
//   auto signed_token = mint_signed(spec, "ES256", read_file("ec-private.pem"));
//   if (!signed_token) return signed_token.error();       // kInvalidArgument
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/result.h"

namespace platform::auth {

struct TokenSpec {
  std::string subject;                         // `sub`, required
  std::vector<std::string> roles;              // `roles` (always written, [] when empty)
  std::string issuer = "syllabus-platform";    // `iss`
  std::string audience = "syllabus-platform";  // `aud` (a string)
  std::int64_t issued_at = 0;                  // `iat`, unix seconds
  // `exp` = issued_at + ttl; nullopt writes no exp (a token Verifier refuses by default).
  std::optional<std::chrono::seconds> ttl = std::chrono::hours(1);
  std::optional<std::int64_t> not_before;  // `nbf` when set
  std::string key_id;                      // the header's kid; empty: none
  // A JSON object whose members are added to the payload ("" none); it may not repeat
  // sub, roles, iss, aud, iat, exp or nbf.
  std::string extra_claims;
};

// kInvalidArgument for an empty subject, a secret under kMinSecretBytes (keys.h) or
// extra claims that are not a JSON object or repeat a claim of the spec.
core::Result<std::string> mint_hs256(const TokenSpec& spec, std::string_view secret);

// `algorithm` "RS256" (an RSA key, >= 2048 bits) or "ES256" (an EC P-256 key);
// `private_key_pem` a PKCS#8 or traditional PEM private key, not encrypted. The errors
// of mint_hs256, and kInvalidArgument for another algorithm, a PEM that does not parse or
// a key of the wrong type (never echoing the key).
core::Result<std::string> mint_signed(const TokenSpec& spec, std::string_view algorithm,
                                      std::string_view private_key_pem);

}  // namespace platform::auth
