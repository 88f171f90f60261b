// sylctl token: a development bearer token for the local platform, so that the README's
// examples run without an identity provider. Signed with the key `up` gave the gateway.
#include <charconv>
#include <chrono>
#include <iostream>

#include "commands.h"
#include "platform/auth/mint.h"
#include "platform_token.h"

namespace sylctl {

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's':
      text.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      text.remove_suffix(1);
      break;
    case 'd':
      unit = 86400;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value <= 0 ||
      value > std::int64_t{366} * 86400 / unit)
    return std::nullopt;
  return std::chrono::seconds(value * unit);
}

int run_token(const TokenOptions& options) {
  const Layout layout(std::filesystem::current_path());
  const auto secret = existing_jwt_secret(layout);
  if (!secret) {
    std::cerr << "sylctl: no token key (var/jwt-secret is made by `sylctl up`; or set "
                 "SYL_AUTH_JWT_SECRET)\n";
    return kExitFailed;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto token = platform::auth::mint_hs256(
      {.subject = options.subject, .roles = options.roles, .issued_at = now, .ttl = options.ttl},
      *secret);
  if (!token) {
    std::cerr << "sylctl: " << token.error().detail() << "\n";
    return kExitFailed;
  }
  std::cout << *token << "\n";
  return kExitOk;
}

}  // namespace sylctl
