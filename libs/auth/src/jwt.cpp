#include "platform/auth/jwt.h"

#include <cmath>

#include "internal.h"
#include "platform/core/strings.h"

namespace platform::auth {
namespace {

// A header is a few members; claims may nest a little (an identity provider's
// {"realm_access": {"roles": [...]}}).
constexpr std::size_t kMaxHeaderDepth = 4;
constexpr std::size_t kMaxPayloadDepth = 16;

TokenError refuse(TokenFailure reason, std::string detail) {
  return {reason, std::move(detail)};
}

bool has_control_character(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

// A NumericDate (RFC 7519 §2): an integer or a fraction (dropped) of unix seconds.
// False when the member is there but not such a number.
bool read_time(const boost::json::object& payload, std::string_view name,
               std::optional<std::int64_t>& out) {
  const auto* value = payload.if_contains(name);
  if (value == nullptr) return true;
  if (value->is_int64()) {
    out = value->get_int64();
    return true;
  }
  if (value->is_double()) {
    const double seconds = std::floor(value->get_double());
    // 2^63 is exact in a double; anything from there on does not fit.
    constexpr double kLimit = 9223372036854775808.0;
    if (!std::isfinite(seconds) || seconds < -kLimit || seconds >= kLimit) return false;
    out = static_cast<std::int64_t>(seconds);
    return true;
  }
  return false;  // a string, a bool, null, an object, or a uint64 past int64
}

// `sub`, `roles`, `aud` and the times, checked for shape only.
std::optional<TokenError> read_claims(const boost::json::object& payload, Claims& claims) {
  const auto* subject = payload.if_contains("sub");
  if (subject == nullptr || !subject->is_string() || subject->get_string().empty() ||
      has_control_character(subject->get_string())) {
    return refuse(TokenFailure::kBadClaims, "the token needs a subject (sub) that is a string");
  }
  claims.subject = std::string(subject->get_string());

  if (const auto* roles = payload.if_contains("roles")) {
    if (!roles->is_array()) {
      return refuse(TokenFailure::kBadClaims, "the token's roles must be an array of strings");
    }
    for (const auto& role : roles->get_array()) {
      // The roles travel comma-separated in X-User-Roles (platform/http/identity.h).
      if (!role.is_string() || role.get_string().empty() ||
          role.get_string().find(',') != boost::json::string::npos ||
          has_control_character(role.get_string())) {
        return refuse(TokenFailure::kBadClaims,
                      "the token's roles must be non-empty strings without commas");
      }
      claims.roles.emplace_back(role.get_string());
    }
  }

  if (const auto* issuer = payload.if_contains("iss")) {
    if (!issuer->is_string()) {
      return refuse(TokenFailure::kBadClaims, "the token's issuer (iss) must be a string");
    }
    claims.issuer = std::string(issuer->get_string());
  }

  if (const auto* audience = payload.if_contains("aud")) {
    if (audience->is_string()) {
      claims.audience.emplace_back(audience->get_string());
    } else if (audience->is_array()) {
      for (const auto& entry : audience->get_array()) {
        if (!entry.is_string()) {
          return refuse(TokenFailure::kBadClaims,
                        "the token's audience (aud) must be a string or an array of strings");
        }
        claims.audience.emplace_back(entry.get_string());
      }
    } else {
      return refuse(TokenFailure::kBadClaims,
                    "the token's audience (aud) must be a string or an array of strings");
    }
  }

  if (!read_time(payload, "exp", claims.expires_at) ||
      !read_time(payload, "nbf", claims.not_before) ||
      !read_time(payload, "iat", claims.issued_at)) {
    return refuse(TokenFailure::kBadClaims, "the token's exp, nbf and iat must be numbers");
  }
  return std::nullopt;
}

// The key that is to verify a token of `algorithm` naming `key_id` ("" none).
const KeySet::Key* select_key(const KeySet* keys, Algorithm algorithm, std::string_view key_id,
                              std::optional<TokenError>& error) {
  if (keys == nullptr || keys->empty()) {
    error = refuse(TokenFailure::kUnknownKey, "no key is configured to verify tokens");
    return nullptr;
  }
  if (!key_id.empty()) {
    for (const auto& key : keys->keys()) {
      if (key->id != key_id) continue;
      // The key decides how it is used, never the token: an RSA public key is no HMAC
      // secret, an HMAC secret no RSA key.
      if (key->algorithm != algorithm) {
        error = refuse(TokenFailure::kUnsupportedAlgorithm,
                       "the token's key accepts " + std::string(algorithm_name(key->algorithm)) +
                           " only, not " + std::string(algorithm_name(algorithm)));
        return nullptr;
      }
      return key.get();
    }
    error = refuse(TokenFailure::kUnknownKey, "the token's key id (kid) is not known");
    return nullptr;
  }
  const KeySet::Key* found = nullptr;
  for (const auto& key : keys->keys()) {
    if (key->algorithm != algorithm) continue;
    if (found != nullptr) {
      error = refuse(TokenFailure::kUnknownKey,
                     "the token names no key id (kid) and several keys could verify it");
      return nullptr;
    }
    found = key.get();
  }
  if (found == nullptr) {
    error = refuse(TokenFailure::kUnknownKey,
                   "no key is configured for " + std::string(algorithm_name(algorithm)));
  }
  return found;
}

}  // namespace

std::string_view to_string(TokenFailure failure) {
  switch (failure) {
    case TokenFailure::kMissing:
      return "missing";
    case TokenFailure::kMalformed:
      return "malformed";
    case TokenFailure::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case TokenFailure::kUnknownKey:
      return "unknown_key";
    case TokenFailure::kBadSignature:
      return "bad_signature";
    case TokenFailure::kExpired:
      return "expired";
    case TokenFailure::kNotYetValid:
      return "not_yet_valid";
    case TokenFailure::kWrongIssuer:
      return "wrong_issuer";
    case TokenFailure::kWrongAudience:
      return "wrong_audience";
    case TokenFailure::kBadClaims:
      return "bad_claims";
  }
  return "unknown";
}

core::Error to_error(const TokenError& error) {
  return {core::ErrorCode::kUnauthenticated, error.detail};
}

std::string www_authenticate(const TokenError& error) {
  if (error.reason == TokenFailure::kMissing) return "Bearer";
  std::string value = "Bearer error=\"invalid_token\", error_description=\"";
  for (const char c : error.detail) {
    // A quoted-string; our sentences have neither, but a detail must never break it.
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) continue;
    value.push_back(c);
  }
  value.push_back('"');
  return value;
}

std::string_view bearer_token(std::string_view authorization) {
  const std::string_view text = core::trim(authorization);
  const auto space = text.find(' ');
  if (space == std::string_view::npos || !core::iequals(text.substr(0, space), "Bearer")) {
    return {};
  }
  return core::trim(text.substr(space + 1));
}

Verifier::Verifier(VerifierOptions options, std::shared_ptr<const KeySet> keys)
    : options_(std::move(options)), keys_(std::move(keys)) {}

void Verifier::replace_keys(std::shared_ptr<const KeySet> keys) {
  keys_.store(std::move(keys));
}

VerifyResult Verifier::verify(std::string_view token, std::int64_t now_unix) const {
  if (token.empty()) return refuse(TokenFailure::kMissing, "no bearer token was given");
  if (token.size() > kMaxTokenBytes) {
    return refuse(TokenFailure::kMalformed,
                  "the token is longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  }

  // header.payload.signature, each base64url (an empty signature is left to fail below).
  const auto first_dot = token.find('.');
  const auto second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos || first_dot == 0 ||
      second_dot == first_dot + 1) {
    return refuse(TokenFailure::kMalformed,
                  "the token must be three base64url segments separated by dots");
  }
  const std::string_view signing_input = token.substr(0, second_dot);
  const std::string_view header_text = token.substr(0, first_dot);
  const std::string_view payload_text = signing_input.substr(first_dot + 1);
  const std::string_view signature_text = token.substr(second_dot + 1);

  const auto header_json = internal::base64url_decode_strict(header_text);
  const auto header =
      header_json ? internal::parse_object(*header_json, kMaxHeaderDepth) : std::nullopt;
  if (!header) {
    return refuse(TokenFailure::kMalformed, "the token's header is not a base64url JSON object");
  }
  const auto* alg = header->if_contains("alg");
  const auto algorithm = alg != nullptr && alg->is_string() ? parse_algorithm(alg->get_string())
                                                            : std::optional<Algorithm>();
  if (!algorithm) {
    // "none" in any spelling among them: an unsigned token is never accepted.
    return refuse(TokenFailure::kUnsupportedAlgorithm,
                  "the token's algorithm (alg) must be HS256, RS256 or ES256");
  }
  if (header->contains("crit")) {
    return refuse(TokenFailure::kMalformed,
                  "the token's header has critical extensions (crit) this server does not "
                  "implement");
  }
  std::string_view key_id;
  if (const auto* kid = header->if_contains("kid")) {
    if (!kid->is_string()) {
      return refuse(TokenFailure::kMalformed, "the token's key id (kid) must be a string");
    }
    key_id = kid->get_string();
  }

  const std::shared_ptr<const KeySet> keys = keys_.load();
  std::optional<TokenError> error;
  const KeySet::Key* key = select_key(keys.get(), *algorithm, key_id, error);
  if (key == nullptr) return std::move(*error);

  const auto payload_json = internal::base64url_decode_strict(payload_text);
  const auto signature = internal::base64url_decode_strict(signature_text);
  if (!payload_json || !signature) {
    return refuse(TokenFailure::kMalformed, "the token's payload or signature is not base64url");
  }
  if (!internal::verify_signature(*key, signing_input, *signature)) {
    return refuse(TokenFailure::kBadSignature, "the token's signature does not verify");
  }

  // From here on the token is the issuer's word.
  const auto payload = internal::parse_object(*payload_json, kMaxPayloadDepth);
  if (!payload) {
    return refuse(TokenFailure::kMalformed, "the token's payload is not a JSON object");
  }
  Claims claims;
  if (auto bad = read_claims(*payload, claims)) return std::move(*bad);
  claims.algorithm = std::string(algorithm_name(*algorithm));
  claims.key_id = key->id;

  const std::int64_t leeway = options_.leeway.count();
  if (!claims.expires_at) {
    if (options_.require_expiry) {
      return refuse(TokenFailure::kBadClaims, "the token has no expiry (exp)");
    }
  } else if (now_unix - leeway >= *claims.expires_at) {
    return refuse(TokenFailure::kExpired, "the token has expired");
  }
  if (claims.not_before && *claims.not_before > now_unix + leeway) {
    return refuse(TokenFailure::kNotYetValid, "the token is not valid yet (nbf)");
  }
  if (claims.issued_at && *claims.issued_at > now_unix + leeway) {
    return refuse(TokenFailure::kNotYetValid, "the token was issued in the future (iat)");
  }
  if (claims.issuer.empty() || claims.issuer != options_.issuer) {
    return refuse(TokenFailure::kWrongIssuer, "the token's issuer (iss) is not accepted");
  }
  // An empty audience in the options matches nothing, not an empty aud.
  bool for_us = false;
  for (const auto& audience : claims.audience) {
    for_us = for_us || (!audience.empty() && audience == options_.audience);
  }
  if (!for_us) {
    return refuse(TokenFailure::kWrongAudience, "the token is not meant for this audience (aud)");
  }
  return claims;
}

}  // namespace platform::auth
