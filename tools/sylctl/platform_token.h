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

// The token when there is one (environment, then file), without making one.
std::optional<std::string> existing_platform_token(const Layout& layout);

}  // namespace sylctl
