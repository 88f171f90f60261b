// The gateway's bearer-token check (platform::auth) as the proxy sees it: the HS256
// secret and the JWKS file's keys, parsed once, the file re-read when it changes.
//
//   auto keys = TokenKeys::create({.secret = s, .jwks_file = f}, logger);  // bad keys: fatal
//   std::variant<Identity, TokenRefusal> who = (*keys)->verify(token);
//   (*keys)->reload_if_changed();                        // from a periodic task
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "api/proxy.h"
#include "infrastructure/token_cache.h"
#include "platform/auth/jwks_file.h"
#include "platform/auth/jwt.h"
#include "platform/core/result.h"
#include "platform/logging/logger.h"

namespace api_gateway::infrastructure {

struct TokenSettings {
  std::string secret;     // HS256; empty: none
  std::string jwks_file;  // empty: none
  std::string issuer = "syllabus-platform";
  std::string audience = "syllabus-platform";
  std::chrono::seconds leeway{30};
};

class TokenKeys {
 public:
  static platform::core::Result<std::unique_ptr<TokenKeys>> create(
      const TokenSettings& settings, platform::logging::Logger& logger);

  std::variant<api::Identity, api::TokenRefusal> verify(std::string_view token) const;
  void reload_if_changed();
  bool empty() const;

 private:
  TokenKeys(platform::auth::VerifierOptions options,
            std::shared_ptr<const platform::auth::KeySet> keys,
            std::optional<platform::auth::JwksFile> file, platform::logging::Logger& logger)
      : verifier_(std::move(options), std::move(keys)), file_(std::move(file)), logger_(logger) {}

  platform::auth::Verifier verifier_;
  mutable VerifiedTokens verified_;
  std::optional<platform::auth::JwksFile> file_;
  platform::logging::Logger& logger_;
};

}  // namespace api_gateway::infrastructure
