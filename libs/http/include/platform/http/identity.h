// Who is calling, as the gateway vouches for it: the identity contract between the gateway
// and the services (ARCHITECTURE.md, Gateway; docs/identity.md has the wire format).
//
// The gateway authenticates the client, removes every X-User-* header the client sent,
// and adds three:
//   X-User-ID:        the caller's id (the token's `sub`)
//   X-User-Roles:     its roles, comma-separated ("editor,viewer"; may be empty)
//   X-User-Signature: v1;kid=<key id>;t=<unix seconds>;sig=<base64url HMAC-SHA256>
// The HMAC covers "v1\n<user id>\n<roles>\n<X-Request-ID>\n<t>" with the key named by kid,
// so a signature cannot be moved to another request, user or role set, nor replayed after
// max_age. A service trusts X-User-* only with a valid, fresh signature; without one (or
// without keys) the caller is anonymous. A request that carries any of these headers
// more than once is refused (400): a proxy in between may have read the other one.
//
//   auto keys = IdentityKeys::parse(config.get("gateway.identity_keys"));   // the ring
//   router.use(identity_middleware(std::make_shared<IdentityKeys>(std::move(*keys))));
//   ... in a handler:  if (!request.caller.has_role("editor")) return forbidden;
//
//   // the gateway's side:
//   request.headers.set("X-User-Signature",
//                       sign_identity(keys, caller, request_id, unix_now));
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/result.h"
#include "platform/http/message.h"
#include "platform/http/router.h"

namespace platform::http {

inline constexpr std::string_view kUserIdHeader = "X-User-ID";
inline constexpr std::string_view kUserRolesHeader = "X-User-Roles";
inline constexpr std::string_view kUserSignatureHeader = "X-User-Signature";

// The gateway's keys: the first signs, every one verifies (rotation: put a new key first,
// keep the old one until no signature of it can still be fresh).
class IdentityKeys {
 public:
  struct Key {
    std::string id;
    std::string secret;  // raw bytes, at least 32
  };
  // "kid:base64secret,kid2:base64secret"; kInvalidArgument (never echoing a secret) for
  // an empty ring, a malformed entry, a duplicate id or a secret under 32 bytes.
  static core::Result<IdentityKeys> parse(std::string_view text);
  explicit IdentityKeys(std::vector<Key> keys) : keys_(std::move(keys)) {}

  const Key& signing_key() const { return keys_.front(); }
  const Key* find(std::string_view id) const;
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<Key> keys_;
};

// The X-User-Signature value for `caller` on the request `request_id`, made at `unix_time`.
std::string sign_identity(const IdentityKeys& keys, const Caller& caller,
                          std::string_view request_id, std::int64_t unix_time);

struct IdentityOptions {
  std::chrono::seconds max_age{60};        // an older signature is not fresh
  std::chrono::seconds max_clock_skew{5};  // a signature from the future, within reason
};

// Checks the identity headers of `request` against `keys` at `unix_time`: the caller when
// the signature is valid and fresh, anonymous otherwise. kMalformed when a header appears
// twice.
core::Result<Caller> verify_identity(const Request& request, const IdentityKeys* keys,
                                     std::int64_t unix_time, const IdentityOptions& options = {});

// Middleware that sets Request::caller for every request (anonymous without keys), removes
// the X-User-* headers so that nothing reads them unverified, and answers 400 when one
// appears twice.
Middleware identity_middleware(std::shared_ptr<const IdentityKeys> keys,
                               IdentityOptions options = {});

}  // namespace platform::http
