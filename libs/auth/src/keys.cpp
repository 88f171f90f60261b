#include "platform/auth/keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <boost/json/array.hpp>
#include <fstream>
#include <iterator>
#include <system_error>

#include "internal.h"

namespace platform::auth {
namespace {

constexpr std::string_view kField = "jwks";
// {"keys": [{..., "x5c": [...]}]} is 4 deep; a JWKS has no reason to nest further.
constexpr std::size_t kMaxJwksDepth = 8;
constexpr std::size_t kP256CoordinateBytes = 32;

struct BnDeleter {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* builder) const { OSSL_PARAM_BLD_free(builder); }
};
struct ParamsDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, ParamsDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

// kInvalidArgument whose detail is the sentence itself (a start-up log shows it), and
// also a field error of `field`.
core::Error invalid_in(std::string field, std::string message) {
  core::Error error(core::ErrorCode::kInvalidArgument, field + ": " + message);
  error.with_field_errors({{std::move(field), std::move(message)}});
  return error;
}

core::Error invalid(std::string message) {
  return invalid_in(std::string(kField), std::move(message));
}

BnPtr to_bignum(std::string_view big_endian) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()),
                         static_cast<int>(big_endian.size()), nullptr));
}

// A public key of `type` ("RSA", "EC") from `params`, checked by OpenSSL (an RSA modulus
// and exponent that make sense, an EC point on the curve); null otherwise.
PkeyPtr public_key_from(const char* type, OSSL_PARAM_BLD* builder) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(builder));
  PkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();  // the reasons are OpenSSL's; ours is in the error we return
    return nullptr;
  }
  PkeyPtr key(raw);
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

// The string member `name` of `object` base64url-decoded; nullopt when absent, not a
// string or not strict base64url.
std::optional<std::string> decoded_member(const boost::json::object& object,
                                          std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return internal::base64url_decode_strict(value->get_string());
}

core::Result<PkeyPtr> rsa_key(const boost::json::object& jwk, const std::string& label) {
  const auto n = decoded_member(jwk, "n");
  const auto e = decoded_member(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) {
    return invalid("key " + label + ": an RSA key needs n and e in base64url");
  }
  BnPtr modulus = to_bignum(*n);
  BnPtr exponent = to_bignum(*e);
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!modulus || !exponent || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    throw std::bad_alloc();
  }
  PkeyPtr key = public_key_from("RSA", builder.get());
  if (!key) return invalid("key " + label + ": n and e are not a valid RSA public key");
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return invalid("key " + label + ": an RSA key needs at least " + std::to_string(kMinRsaBits) +
                   " bits");
  }
  return key;
}

core::Result<PkeyPtr> ec_p256_key(const boost::json::object& jwk, const std::string& label) {
  const auto x = decoded_member(jwk, "x");
  const auto y = decoded_member(jwk, "y");
  if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return invalid("key " + label + ": a P-256 key needs x and y of 32 bytes in base64url");
  }
  // The uncompressed point: 0x04 || x || y (SEC 1 §2.3.3).
  const std::string point = '\x04' + *x + *y;
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    throw std::bad_alloc();
  }
  PkeyPtr key = public_key_from("EC", builder.get());
  if (!key) return invalid("key " + label + ": x and y are not a point of P-256");
  return key;
}

// Whether `jwk` says it is for something other than verifying signatures.
bool not_for_signatures(const boost::json::object& jwk) {
  if (const auto* use = jwk.if_contains("use");
      use != nullptr && use->is_string() && use->get_string() == "enc")
    return true;
  if (const auto* ops = jwk.if_contains("key_ops"); ops != nullptr && ops->is_array()) {
    for (const auto& op : ops->get_array()) {
      if (op.is_string() && op.get_string() == "verify") return false;
    }
    return true;
  }
  return false;
}

std::string_view string_member(const boost::json::object& jwk, std::string_view name) {
  const auto* value = jwk.if_contains(name);
  if (value == nullptr || !value->is_string()) return {};
  return value->get_string();
}

// The key `jwk` as we would use it; null when we do not use it (skipped), an error when
// we would but it does not parse.
core::Result<std::shared_ptr<KeySet::Key>> parse_jwk(const boost::json::object& jwk, std::string id,
                                                     const std::string& label) {
  if (not_for_signatures(jwk)) return std::shared_ptr<KeySet::Key>();
  const std::string_view type = string_member(jwk, "kty");
  const auto* alg_value = jwk.if_contains("alg");
  if (alg_value != nullptr && !alg_value->is_string()) {
    return invalid("key " + label + ": alg must be a string");
  }
  const std::string_view alg =
      alg_value != nullptr ? std::string_view(alg_value->get_string()) : std::string_view();
  auto key = std::make_shared<KeySet::Key>();
  key->id = std::move(id);
  if (type == "RSA" && (alg.empty() || alg == kRs256)) {
    auto public_key = rsa_key(jwk, label);
    if (!public_key) return std::move(public_key).error();
    key->algorithm = Algorithm::kRs256;
    key->public_key = std::move(*public_key);
  } else if (type == "EC" && string_member(jwk, "crv") == "P-256" &&
             (alg.empty() || alg == kEs256)) {
    auto public_key = ec_p256_key(jwk, label);
    if (!public_key) return std::move(public_key).error();
    key->algorithm = Algorithm::kEs256;
    key->public_key = std::move(*public_key);
  } else if (type == "oct" && (alg.empty() || alg == kHs256)) {
    auto secret = decoded_member(jwk, "k");
    if (!secret) return invalid("key " + label + ": a symmetric key needs k in base64url");
    if (secret->size() < kMinSecretBytes) {
      return invalid("key " + label + ": a symmetric key needs at least " +
                     std::to_string(kMinSecretBytes) + " bytes");
    }
    key->algorithm = Algorithm::kHs256;
    key->secret = std::move(*secret);
  } else {
    // Another kty, curve or algorithm: a key of the provider that we have no use for.
    return std::shared_ptr<KeySet::Key>();
  }
  return key;
}

// Two keys that a token could not tell apart.
bool conflict(const KeySet::Key& a, const KeySet::Key& b) {
  if (a.id.empty() && b.id.empty()) return a.algorithm == b.algorithm;
  return a.id == b.id;
}

}  // namespace

core::Result<KeySet> KeySet::from_secret(std::string secret, std::string key_id) {
  if (secret.size() < kMinSecretBytes) {
    return invalid_in(
        "secret", "an HS256 secret needs at least " + std::to_string(kMinSecretBytes) + " bytes");
  }
  auto key = std::make_shared<Key>();
  key->id = std::move(key_id);
  key->algorithm = Algorithm::kHs256;
  key->secret = std::move(secret);
  KeySet set;
  set.keys_.push_back(std::move(key));
  return set;
}

core::Result<KeySet> KeySet::from_jwks(std::string_view json) {
  if (json.size() > kMaxJwksBytes) {
    return invalid("the JWKS document is larger than " + std::to_string(kMaxJwksBytes) + " bytes");
  }
  const auto document = internal::parse_object(json, kMaxJwksDepth);
  const auto* list = document ? document->if_contains("keys") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return invalid("the JWKS document must be a JSON object with a \"keys\" array");
  }
  KeySet set;
  const auto& entries = list->get_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string label = "keys[" + std::to_string(i) + "]";
    if (!entries[i].is_object()) return invalid(label + " is not a JSON object");
    const auto& jwk = entries[i].get_object();
    std::string id;
    if (const auto* kid = jwk.if_contains("kid")) {
      if (!kid->is_string()) return invalid(label + ": kid must be a string");
      id = std::string(kid->get_string());
      label = "\"" + id + "\"";
    }
    auto key = parse_jwk(jwk, id, label);
    if (!key) return std::move(key).error();
    if (!*key) continue;
    for (const auto& other : set.keys_) {
      if (!id.empty() && other->id == id) return invalid("kid \"" + id + "\" appears twice");
    }
    set.keys_.push_back(std::move(*key));
  }
  if (set.keys_.empty()) {
    return invalid("the JWKS document has no RS256, ES256 or HS256 signing key");
  }
  if (set.keys_.size() > 1) {
    for (const auto& key : set.keys_) {
      if (key->id.empty()) return invalid("with several keys, every key needs a kid");
    }
  }
  return set;
}

core::Result<KeySet> KeySet::from_jwks_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return invalid_in(
        name, "cannot read the JWKS file: " + std::make_error_code(std::errc(errno)).message());
  }
  std::string text;
  char buffer[16 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxJwksBytes) {
      return invalid_in(name,
                        "the JWKS file is larger than " + std::to_string(kMaxJwksBytes) + " bytes");
    }
  }
  if (in.bad()) return invalid_in(name, "cannot read the JWKS file");
  auto keys = from_jwks(text);
  if (!keys) return invalid_in(name, keys.error().field_errors().front().message);
  return keys;
}

core::Result<void> KeySet::add(KeySet other) {
  for (const auto& theirs : other.keys_) {
    for (const auto& ours : keys_) {
      if (!conflict(*ours, *theirs)) continue;
      return invalid(theirs->id.empty() ? "two keys without a kid accept " +
                                              std::string(algorithm_name(theirs->algorithm))
                                        : "kid \"" + theirs->id + "\" appears twice");
    }
  }
  keys_.insert(keys_.end(), std::make_move_iterator(other.keys_.begin()),
               std::make_move_iterator(other.keys_.end()));
  return core::ok();
}

std::vector<std::string> KeySet::key_ids() const {
  std::vector<std::string> ids;
  ids.reserve(keys_.size());
  for (const auto& key : keys_) ids.push_back(key->id);
  return ids;
}

}  // namespace platform::auth
