#include "application/url_signer.h"

#include <algorithm>
#include <chrono>

#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/core/time.h"

namespace file_service::application {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

constexpr std::string_view kField = "url_signing_keys";

Error bad_setting(std::string message) {
  return Error::invalid_argument(std::string(kField), std::move(message));
}

Error denied(std::string detail) {
  return {ErrorCode::kPermissionDenied, std::move(detail)};
}

bool is_valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string canonical(std::string_view method, std::string_view path, std::string_view expires,
                      std::string_view key_id) {
  std::string text;
  text.reserve(method.size() + path.size() + expires.size() + key_id.size() + 3);
  text.append(method).append("\n").append(path).append("\n").append(expires).append("\n");
  text.append(key_id);
  return text;
}

// base64url (no padding) of HMAC-SHA256(secret, message).
std::string signature_of(const SigningKey& key, std::string_view message) {
  return platform::core::base64url_encode(platform::core::hmac_sha256(key.secret, message));
}

std::optional<std::int64_t> parse_expires(std::string_view text) {
  // 18 digits stay below the int64 maximum, and reach far past any real expiry.
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

Result<SigningKeyRing> SigningKeyRing::create(std::vector<SigningKey> keys) {
  if (keys.empty()) return bad_setting("must hold at least one signing key");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const SigningKey& key = keys[i];
    const std::string which = "key " + std::to_string(i + 1);
    if (!is_valid_key_id(key.id))
      return bad_setting(which + ": the key id must be 1 to 64 of A-Z a-z 0-9 . _ -");
    const std::string named = which + " (\"" + key.id + "\")";
    for (std::size_t j = 0; j < i; ++j)
      if (keys[j].id == key.id) return bad_setting(named + ": the key id is used twice");
    if (key.secret.size() < kMinSecretBytes)
      return bad_setting(named + ": the secret must be at least 32 bytes");
    if (i == 0 && key.not_after)
      return bad_setting(named + ": the first key signs and must not have a not_after");
  }
  return SigningKeyRing(std::move(keys));
}

Result<SigningKeyRing> SigningKeyRing::parse(std::string_view setting) {
  std::vector<SigningKey> keys;
  std::size_t position = 0;
  for (std::string_view raw : platform::core::split(setting, ',')) {
    const std::string_view entry = platform::core::trim(raw);
    if (entry.empty()) continue;
    ++position;
    const std::string which = "key " + std::to_string(position);
    // kid ':' secret [':' not_after]: the timestamp holds colons itself, so only the
    // first two separate fields.
    const std::size_t first_colon = entry.find(':');
    if (first_colon == std::string_view::npos)
      return bad_setting(which + ": expected kid:base64secret[:not_after]");
    SigningKey key;
    key.id = std::string(entry.substr(0, first_colon));
    if (!is_valid_key_id(key.id))
      return bad_setting(which + ": the key id must be 1 to 64 of A-Z a-z 0-9 . _ -");
    const std::string named = which + " (\"" + key.id + "\")";
    const std::string_view rest = entry.substr(first_colon + 1);
    const std::size_t second_colon = rest.find(':');
    const std::optional<std::string> secret =
        platform::core::base64_decode_any(rest.substr(0, second_colon));
    if (!secret) return bad_setting(named + ": the secret is not base64");
    key.secret = *secret;
    if (second_colon != std::string_view::npos) {
      const auto not_after = platform::core::parse_rfc3339(rest.substr(second_colon + 1));
      if (!not_after) return bad_setting(named + ": not_after is not an RFC 3339 timestamp");
      key.not_after = platform::core::unix_seconds(*not_after);
    }
    keys.push_back(std::move(key));
  }
  return create(std::move(keys));
}

const SigningKey* SigningKeyRing::find(std::string_view id) const {
  for (const SigningKey& key : keys_)
    if (key.id == id) return &key;
  return nullptr;
}

std::string UrlSigner::sign(std::string_view method, std::string_view path,
                            std::int64_t expires) const {
  const SigningKey& key = ring_.signing_key();
  const std::string expires_text = std::to_string(expires);
  // Key ids and base64url are URL-safe: nothing needs escaping.
  return "expires=" + expires_text + "&kid=" + key.id +
         "&signature=" + signature_of(key, canonical(method, path, expires_text, key.id));
}

Result<void> UrlSigner::verify(std::string_view method, std::string_view path,
                               const std::vector<std::pair<std::string, std::string>>& query,
                               std::int64_t now) const {
  const std::string* expires_text = nullptr;
  const std::string* key_id = nullptr;
  const std::string* signature = nullptr;
  for (const auto& [name, value] : query) {
    const std::string** slot = name == "expires"     ? &expires_text
                               : name == "kid"       ? &key_id
                               : name == "signature" ? &signature
                                                     : nullptr;
    if (slot == nullptr) continue;
    // Two values would let a proxy and this service read different links.
    if (*slot != nullptr) return denied("the signed URL repeats its " + name + " parameter");
    *slot = &value;
  }
  if (expires_text == nullptr || key_id == nullptr || signature == nullptr)
    return denied("the URL is not signed: expires, kid and signature are required");
  const std::optional<std::int64_t> expires = parse_expires(*expires_text);
  if (!expires) return denied("the signed URL's expires is not a number of seconds");
  const SigningKey* key = ring_.find(*key_id);
  if (key == nullptr) return denied("the signed URL names an unknown key");
  if (key->not_after && now >= *key->not_after)
    return denied("the signed URL's key has been retired");
  const std::string expected = signature_of(*key, canonical(method, path, *expires_text, key->id));
  if (!platform::core::constant_time_equals(*signature, expected))
    return denied("the signed URL's signature does not match");
  if (now >= *expires) return denied("the signed URL has expired");
  return platform::core::ok();
}

}  // namespace file_service::application
