// JWT verification for the API gateway: a compact JWS (RFC 7515) signed with HS256, RS256
// or ES256, checked against a KeySet (keys.h), then its claims (RFC 7519): exp, nbf and
// iat with a leeway, iss, aud, and the platform's `sub` and `roles`.
//
//   Verifier verifier({.issuer = "https://id.example.org", .audience = "syllabus-platform"},
//                     std::make_shared<const KeySet>(std::move(*keys)));
//   ... per request, from any thread:
//   auto claims = verifier.verify(bearer_token(request.headers.get("Authorization")),
//                                 std::time(nullptr));
//   if (!claims) {
//     refused_total.inc(to_string(claims.error().reason));       // "expired", ...
//     return unauthorized(to_error(claims.error()), www_authenticate(claims.error()));
//   }
//   caller.user_id = claims->subject;
//   caller.roles = claims->roles;
//
// Never throws on any token and never reads more than kMaxTokenBytes of it. Header fields
// other than alg, kid and crit are ignored: a token's own "jwk", "jku" or "x5u" never
// supplies a key, and a "crit" header is refused (we understand no extension).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "platform/auth/keys.h"
#include "platform/core/error.h"

namespace platform::auth {

// A longer token is refused (kMalformed) before anything in it is decoded.
inline constexpr std::size_t kMaxTokenBytes = std::size_t{8} * 1024;

// Why a token was refused.
enum class TokenFailure {
  kMissing,               // no token at all (no or an empty Authorization: Bearer)
  kMalformed,             // not three base64url segments of a JSON header and payload
  kUnsupportedAlgorithm,  // alg is none, absent, unknown, or not the one its key accepts
  kUnknownKey,            // no key has the kid, or no kid and not exactly one key fits
  kBadSignature,          // the signature does not verify
  kExpired,               // exp has passed (beyond the leeway)
  kNotYetValid,           // nbf is ahead, or iat is in the future (beyond the leeway)
  kWrongIssuer,           // iss is absent or not ours
  kWrongAudience,         // aud is absent or does not contain ours
  kBadClaims,             // sub, roles, exp, nbf, iat or aud has the wrong type or shape
};

// A stable lower-case label for metrics and logs: "missing", "malformed",
// "unsupported_algorithm", "unknown_key", "bad_signature", "expired", "not_yet_valid",
// "wrong_issuer", "wrong_audience", "bad_claims".
std::string_view to_string(TokenFailure failure);

struct TokenError {
  TokenFailure reason;
  // One sentence for the client ("the token has expired"); never echoes the token, a
  // claim's value or a key.
  std::string detail;
};

// The error for a refused token: kUnauthenticated (401) with the detail.
core::Error to_error(const TokenError& error);
// The WWW-Authenticate value of the 401 (RFC 6750 §3): `Bearer` when no token came,
// `Bearer error="invalid_token", error_description="<detail>"` otherwise.
std::string www_authenticate(const TokenError& error);

// The token in an Authorization header value "Bearer <token>" (the scheme in any case,
// spaces around trimmed); empty for anything else, which verify() calls kMissing.
std::string_view bearer_token(std::string_view authorization);

// What a valid token says.
struct Claims {
  std::string subject;                     // `sub`: non-empty, no control characters
  std::vector<std::string> roles;          // `roles`: array of non-empty strings without
                                           // ',' or control characters; absent -> empty
  std::string issuer;                      // `iss`
  std::vector<std::string> audience;       // `aud`, a string or an array of strings
  std::optional<std::int64_t> expires_at;  // `exp`, unix seconds (fractions dropped)
  std::optional<std::int64_t> not_before;  // `nbf`
  std::optional<std::int64_t> issued_at;   // `iat`
  std::string algorithm;                   // the header's alg: "HS256", "RS256", "ES256"
  std::string key_id;                      // the kid of the key that verified it ("" none)
};

// Claims or why not; like core::Result, must be looked at.
class [[nodiscard]] VerifyResult {
 public:
  VerifyResult(Claims claims) : data_(std::move(claims)) {}    // NOLINT: implicit by design
  VerifyResult(TokenError error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  const Claims& value() const& { return std::get<0>(data_); }
  Claims&& value() && { return std::get<0>(std::move(data_)); }
  const Claims& operator*() const& { return value(); }
  Claims&& operator*() && { return std::move(*this).value(); }
  const Claims* operator->() const { return &value(); }
  const TokenError& error() const { return std::get<1>(data_); }

 private:
  std::variant<Claims, TokenError> data_;
};

struct VerifierOptions {
  // `iss` must equal it; `aud` (a string or an array) must contain `audience`.
  std::string issuer = "syllabus-platform";
  std::string audience = "syllabus-platform";
  // Clock skew allowed on exp, nbf and an iat in the future.
  std::chrono::seconds leeway{30};
  // A token without exp is refused (kBadClaims): a stolen one would be valid forever.
  bool require_expiry = true;
};

class Verifier {
 public:
  // `keys` may be null: an empty set (every token kUnknownKey).
  Verifier(VerifierOptions options, std::shared_ptr<const KeySet> keys);
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // Checks `token` (the compact serialization, without "Bearer ") at `now_unix` (seconds
  // since the epoch). Thread-safe, also while replace_keys() runs.
  VerifyResult verify(std::string_view token, std::int64_t now_unix) const;

  // Swaps the keys atomically (a JWKS reload): a verify() in flight finishes with the
  // keys it started with, the next one sees the new keys.
  void replace_keys(std::shared_ptr<const KeySet> keys);
  std::shared_ptr<const KeySet> keys() const { return keys_.load(); }
  const VerifierOptions& options() const { return options_; }

 private:
  const VerifierOptions options_;
  std::atomic<std::shared_ptr<const KeySet>> keys_;
};

}  // namespace platform::auth
