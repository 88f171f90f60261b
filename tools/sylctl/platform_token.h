// The platform token of the platform sylctl runs: the shared secret every service gets as
// SYL_PLATFORM_TOKEN and the config-service requires for registry and configuration
// writes. Made once per platform (32 random bytes, base64url) and kept in
// var/platform-token with mode 0600, so that the next `up` and every sylctl command that
// writes use the same one; SYL_PLATFORM_TOKEN in sylctl's environment takes precedence.
//
//   std::string token = platform_token(layout);            // made when absent
//   std::optional<std::string> known = existing_platform_token(layout);
#pragma once

#include <optional>
#include <string>

#include "service_table.h"

namespace sylctl {

// The token, made and stored when there is none yet. Throws std::runtime_error when the
// file cannot be written or holds something that is no token.
std::string platform_token(const Layout& layout);

// The platform's other secrets, made the same way on the first `up` and kept beside the
// token (mode 0600): the HS256 key the gateway checks bearer tokens with (var/jwt-secret,
// SYL_AUTH_JWT_SECRET overrides it) and the gateway's identity key ring the services
// verify X-User-* with (var/identity-keys, "k1:<base64>"; SYL_GATEWAY_IDENTITY_KEYS
// overrides it).
std::string jwt_secret(const Layout& layout);
std::optional<std::string> existing_jwt_secret(const Layout& layout);
std::string identity_keys(const Layout& layout);

// The token when there is one (environment, then file), without making one.
std::optional<std::string> existing_platform_token(const Layout& layout);

}  // namespace sylctl
