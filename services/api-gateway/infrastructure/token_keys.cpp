#include "infrastructure/token_keys.h"

namespace api_gateway::infrastructure {

platform::core::Result<std::unique_ptr<TokenKeys>> TokenKeys::create(
    const TokenSettings& settings, platform::logging::Logger& logger) {
  platform::auth::KeySet secret_keys;
  if (!settings.secret.empty()) {
    auto secret = platform::auth::KeySet::from_secret(settings.secret);
    if (!secret) return std::move(secret).error();
    secret_keys = std::move(*secret);
  }
  platform::auth::VerifierOptions options{
      .issuer = settings.issuer, .audience = settings.audience, .leeway = settings.leeway};
  std::optional<platform::auth::JwksFile> file;
  std::shared_ptr<const platform::auth::KeySet> keys;
  if (!settings.jwks_file.empty()) {
    auto loaded = platform::auth::JwksFile::load(settings.jwks_file, std::move(secret_keys));
    if (!loaded) return std::move(loaded).error();
    keys = loaded->keys();
    file.emplace(std::move(*loaded));
  } else {
    keys = std::make_shared<const platform::auth::KeySet>(std::move(secret_keys));
  }
  return std::unique_ptr<TokenKeys>(
      new TokenKeys(std::move(options), std::move(keys), std::move(file), logger));
}

std::variant<api::Identity, api::TokenRefusal> TokenKeys::verify(std::string_view token) const {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (auto known = verified_.find(token, now)) return std::move(*known);
  const auto generation = verified_.generation();
  auto claims = verifier_.verify(token, now);
  if (!claims) {
    return api::TokenRefusal{std::string(platform::auth::to_string(claims.error().reason)),
                             claims.error().detail};
  }
  api::Identity identity{claims->subject, claims->roles};
  // Verified tokens always carry exp (require_expiry).
  if (claims->expires_at) verified_.remember(token, identity, *claims->expires_at, generation);
  return identity;
}

void TokenKeys::reload_if_changed() {
  if (!file_) return;
  auto changed = file_->reload_if_changed(verifier_);
  if (!changed) {
    logger_.warn("the JWKS file was not reloaded; the keys stay",
                 {{"file", file_->path().string()}, {"error", changed.error().detail()}});
  } else if (*changed) {
    verified_.clear();  // a key withdrawn takes its tokens with it
    logger_.info("reloaded the JWKS file",
                 {{"file", file_->path().string()},
                  {"keys", static_cast<std::int64_t>(file_->keys()->size())}});
  }
}

bool TokenKeys::empty() const {
  const auto keys = verifier_.keys();
  return !keys || keys->empty();
}

}  // namespace api_gateway::infrastructure
