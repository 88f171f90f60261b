// Signed download URLs: a link that lets whoever holds it fetch one file's content until
// it expires, without other credentials.
//
//   auto ring = SigningKeyRing::parse(settings.url_signing_keys);  // "k2:<b64>,k1:<b64>:2026-...Z"
//   if (!ring) return ring.error();                                 // fatal at start-up
//   UrlSigner signer(std::move(*ring));
//   std::string query = signer.sign("GET", "/files/" + id + "/content", now + 300);
//   // -> "expires=1767225600&kid=k2&signature=3q2-7w..."
//   auto allowed = signer.verify("GET", request.path, request.query_params(), now);
//   if (!allowed) return allowed.error();                           // kPermissionDenied
//
// The signature is HMAC-SHA256 over "<METHOD>\n<path>\n<expires>\n<kid>": the path binds
// it to one file's route, the expiry and key id cannot be swapped without breaking it.
// The path is the request path as the server routes it (no query).
//
// Key rotation: the first key of the ring signs; the others only verify, each until its
// not_after (the end of its grace period, normally the longest link lifetime after the
// rotation), or for as long as it stays in the ring when it has none. Rotate by putting a
// new key first and giving the old one a not_after.
//
// Decisions:
// - Secrets are at least 32 bytes after decoding (the HMAC-SHA256 output size); given in
//   base64 or base64url, padding optional. Errors name the entry by position and key id,
//   never show the secret.
// - Key ids are 1-64 of [A-Za-z0-9._-]: they travel unescaped in URLs and in the setting.
// - The first key has no not_after: it would stop verifying its own fresh links.
// - verify checks, in order: the three parameters present once each, the expiry a
//   number, the key known, the key not past its grace, the signature (constant time, over
//   its base64url text so that no other spelling of the same bytes passes), and only then
//   the expiry, so that "expired" is only ever said of a genuine link.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/result.h"

namespace file_service::application {

inline constexpr std::size_t kMinSecretBytes = 32;
inline constexpr std::size_t kMaxKeyIdLength = 64;

struct SigningKey {
  std::string id;
  std::string secret;                     // raw bytes
  std::optional<std::int64_t> not_after;  // Unix seconds; verifies only before it
};

class SigningKeyRing {
 public:
  // kInvalidArgument (field "url_signing_keys") when the ring is empty, a key id is
  // malformed or repeated, a secret is shorter than 32 bytes, or the first key has a
  // not_after.
  static platform::core::Result<SigningKeyRing> create(std::vector<SigningKey> keys);
  // "kid:base64secret[:not_after RFC 3339],kid2:..."; spaces around entries ignored.
  static platform::core::Result<SigningKeyRing> parse(std::string_view setting);

  const SigningKey& signing_key() const { return keys_.front(); }
  const SigningKey* find(std::string_view id) const;

 private:
  explicit SigningKeyRing(std::vector<SigningKey> keys) : keys_(std::move(keys)) {}
  std::vector<SigningKey> keys_;  // never empty
};

class UrlSigner {
 public:
  explicit UrlSigner(SigningKeyRing ring) : ring_(std::move(ring)) {}

  // The query string (without '?') that makes `path` fetchable with `method` until
  // `expires` (Unix seconds).
  std::string sign(std::string_view method, std::string_view path, std::int64_t expires) const;

  // Whether `query` (percent-decoded name/value pairs) authorises `method` on `path` at
  // `now` (Unix seconds); kPermissionDenied saying why not.
  platform::core::Result<void> verify(std::string_view method, std::string_view path,
                                      const std::vector<std::pair<std::string, std::string>>& query,
                                      std::int64_t now) const;

 private:
  SigningKeyRing ring_;
};

}  // namespace file_service::application
