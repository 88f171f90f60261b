// The keys that JWTs are verified with: an HS256 shared secret, a JWKS document (RSA,
// EC P-256 and symmetric keys), or both merged. Each key is parsed once, here, into a form
// that verification reuses on every request; it also fixes the one algorithm the key
// accepts (an HS256 secret verifies HS256 only, an RSA key RS256 only, an EC P-256 key
// ES256 only), so that a token cannot choose how its own signature is checked.
//
//   auto keys = KeySet::from_jwks_file("/etc/syllabus/jwks.json");
//   if (!keys) return keys.error();                       // kInvalidArgument, names the kid
//   if (auto secret = KeySet::from_secret(raw_secret, "hs1")) {
//     if (auto merged = keys->add(std::move(*secret)); !merged) return merged.error();
//   }
//   Verifier verifier(options, std::make_shared<const KeySet>(std::move(*keys)));
//
// A KeySet is a cheap-to-copy, immutable list of shared, parsed keys; share one between
// threads through std::shared_ptr<const KeySet> (see Verifier and JwksFile).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/result.h"

namespace platform::auth {

// The signature algorithms this library knows (RFC 7518 names); nothing else verifies.
inline constexpr std::string_view kHs256 = "HS256";
inline constexpr std::string_view kRs256 = "RS256";
inline constexpr std::string_view kEs256 = "ES256";

// An HS256 secret shorter than this is refused: it would be guessable offline from any
// token it signed (RFC 7518 §3.2 asks for at least the hash size).
inline constexpr std::size_t kMinSecretBytes = 32;
// RSA moduli below this many bits are refused.
inline constexpr int kMinRsaBits = 2048;
// A JWKS document larger than this is refused (read from a file or given as text).
inline constexpr std::size_t kMaxJwksBytes = 1 << 20;

class KeySet {
 public:
  // One parsed key; its definition stays inside the library (it holds OpenSSL types).
  struct Key;

  // An empty set: every token is refused with kUnknownKey.
  KeySet() = default;

  // An HS256 shared secret (raw bytes, at least kMinSecretBytes; kInvalidArgument
  // otherwise, never echoing the secret). `key_id` empty: tokens without a kid use it.
  static core::Result<KeySet> from_secret(std::string secret, std::string key_id = "");

  // A JWKS document (RFC 7517) {"keys": [...]}, every member key of it:
  //   kty "RSA" with n, e; alg "RS256" or absent         -> RS256 (modulus >= 2048 bits)
  //   kty "EC" with crv "P-256", x, y; alg "ES256" or absent -> ES256 (point on the curve)
  //   kty "oct" with k; alg "HS256" or absent            -> HS256 (k >= 32 bytes)
  // Skipped, so that an identity provider may publish keys we do not use: "use": "enc",
  // an unknown kty, another curve, or an algorithm this library does not implement
  // (RS512, PS256, ...). kInvalidArgument, naming the kid, for a key we would use whose
  // parameters do not parse; for a kid that is not a string or appears twice; for a
  // document with several usable keys of which one has no kid; for a document without
  // any usable key, or text that is not a JSON object with a "keys" array. The error's
  // detail is the whole sentence ("jwks: key \"k1\": n and e are not a valid RSA public
  // key"), for the start-up log; no error echoes key material.
  static core::Result<KeySet> from_jwks(std::string_view json);
  // The same from a file (at most kMaxJwksBytes); kInvalidArgument, naming the file, when
  // it cannot be read.
  static core::Result<KeySet> from_jwks_file(const std::filesystem::path& file);

  // Adds the keys of `other` (a secret beside a JWKS). kInvalidArgument when a kid would
  // appear twice, or two keys without a kid would accept the same algorithm (a token
  // without kid could not tell them apart); this set is then unchanged.
  core::Result<void> add(KeySet other);

  std::size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  // The kids of the keys ("" for a key without one), in order: for the start-up log.
  std::vector<std::string> key_ids() const;

  // The keys themselves, for the verifier (the type is complete only inside the library).
  const std::vector<std::shared_ptr<const Key>>& keys() const { return keys_; }

 private:
  std::vector<std::shared_ptr<const Key>> keys_;
};

}  // namespace platform::auth
