#include "platform/auth/mint.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "internal.h"
#include "platform/auth/keys.h"
#include "platform/core/crypto.h"
#include "platform/core/strings.h"

namespace platform::auth {
namespace {

constexpr std::size_t kMaxExtraClaimsDepth = 16;
constexpr std::array<std::string_view, 7> kSpecClaims = {"sub", "roles", "iss", "aud",
                                                         "iat", "exp",   "nbf"};

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

core::Error invalid(std::string field, std::string message) {
  core::Error error(core::ErrorCode::kInvalidArgument, field + ": " + message);
  error.with_field_errors({{std::move(field), std::move(message)}});
  return error;
}

// header.payload, both base64url JSON.
core::Result<std::string> signing_input(const TokenSpec& spec, Algorithm algorithm) {
  if (spec.subject.empty()) return invalid("subject", "must not be empty");
  boost::json::object payload;
  if (!spec.extra_claims.empty()) {
    auto extra = internal::parse_object(spec.extra_claims, kMaxExtraClaimsDepth);
    if (!extra) return invalid("extra_claims", "must be a JSON object");
    for (const auto name : kSpecClaims) {
      if (extra->contains(name)) {
        return invalid("extra_claims",
                       "may not set " + std::string(name) + ", a field of the spec");
      }
    }
    payload = std::move(*extra);
  }
  payload["iss"] = spec.issuer;
  payload["sub"] = spec.subject;
  payload["aud"] = spec.audience;
  payload["iat"] = spec.issued_at;
  if (spec.ttl) payload["exp"] = spec.issued_at + spec.ttl->count();
  if (spec.not_before) payload["nbf"] = *spec.not_before;
  boost::json::array roles;
  for (const auto& role : spec.roles) roles.emplace_back(role);
  payload["roles"] = std::move(roles);

  boost::json::object header;
  header["alg"] = algorithm_name(algorithm);
  header["typ"] = "JWT";
  if (!spec.key_id.empty()) header["kid"] = spec.key_id;
  return core::base64url_encode(boost::json::serialize(header)) + "." +
         core::base64url_encode(boost::json::serialize(payload));
}

// PEM_read_bio_PrivateKey would ask the terminal for the password of an encrypted key.
int no_password(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*data*/) {
  return -1;
}

core::Result<PkeyPtr> read_private_key(std::string_view pem, Algorithm algorithm) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::bad_alloc();
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  ERR_clear_error();
  if (!key) {
    return invalid("private_key", "is not an unencrypted PEM private key");
  }
  if (algorithm == Algorithm::kRs256) {
    if (!EVP_PKEY_is_a(key.get(), "RSA") || EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
      return invalid("private_key",
                     "RS256 needs an RSA key of at least " + std::to_string(kMinRsaBits) + " bits");
    }
    return key;
  }
  char group[64] = {};
  std::size_t length = 0;
  if (!EVP_PKEY_is_a(key.get(), "EC") ||
      EVP_PKEY_get_group_name(key.get(), group, sizeof group, &length) != 1 ||
      std::string_view(group, length) != "prime256v1") {
    ERR_clear_error();
    return invalid("private_key", "ES256 needs an EC key on the curve P-256");
  }
  return key;
}

}  // namespace

core::Result<std::string> mint_hs256(const TokenSpec& spec, std::string_view secret) {
  if (secret.size() < kMinSecretBytes) {
    return invalid("secret",
                   "an HS256 secret needs at least " + std::to_string(kMinSecretBytes) + " bytes");
  }
  auto input = signing_input(spec, Algorithm::kHs256);
  if (!input) return input;
  return *input + "." + core::base64url_encode(core::hmac_sha256(secret, *input));
}

core::Result<std::string> mint_signed(const TokenSpec& spec, std::string_view algorithm,
                                      std::string_view private_key_pem) {
  const auto parsed = parse_algorithm(algorithm);
  if (!parsed || *parsed == Algorithm::kHs256) {
    return invalid("algorithm", "must be RS256 or ES256");
  }
  auto key = read_private_key(private_key_pem, *parsed);
  if (!key) return std::move(key).error();
  auto input = signing_input(spec, *parsed);
  if (!input) return input;
  const auto signature = internal::sign(key->get(), *parsed, *input);
  if (!signature) return core::Error::internal("OpenSSL could not sign the token");
  return *input + "." + core::base64url_encode(*signature);
}

}  // namespace platform::auth
