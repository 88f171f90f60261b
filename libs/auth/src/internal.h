// What the files of platform::auth share and keep from the public headers: the parsed
// key (OpenSSL), strict base64url, bounded JSON parsing, signing and verifying.
#pragma once

#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "platform/auth/keys.h"

namespace platform::auth {

enum class Algorithm { kHs256, kRs256, kEs256 };

std::string_view algorithm_name(Algorithm algorithm);
// Exactly "HS256", "RS256" or "ES256" (case matters, as in RFC 7515); nullopt otherwise.
std::optional<Algorithm> parse_algorithm(std::string_view name);

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct KeySet::Key {
  std::string id;       // "" when the key has none
  Algorithm algorithm;  // the only one it verifies
  std::string secret;   // HS256
  PkeyPtr public_key;   // RS256, ES256; never modified after parsing, so shared freely
};

namespace internal {

// base64url without padding (RFC 7515 §2), strictly: only A-Z a-z 0-9 - _, no '=', no
// length that no encoding has, and the unused low bits of the last character zero (so
// that every byte string has exactly one spelling). nullopt otherwise.
std::optional<std::string> base64url_decode_strict(std::string_view text);

// `text` as one JSON object (nothing after it, UTF-8, at most `max_depth` deep).
std::optional<boost::json::object> parse_object(std::string_view text, std::size_t max_depth);

// Whether `signature` is the `key`'s signature of `signing_input` (header.payload) with
// the key's algorithm. Never throws; false on any failure.
bool verify_signature(const KeySet::Key& key, std::string_view signing_input,
                      std::string_view signature);

// The JWS signature of `signing_input` under a private key: RS256 (PKCS#1 v1.5) or
// ES256 (raw r||s, 64 bytes). nullopt when OpenSSL fails.
std::optional<std::string> sign(EVP_PKEY* private_key, Algorithm algorithm,
                                std::string_view signing_input);

}  // namespace internal
}  // namespace platform::auth
