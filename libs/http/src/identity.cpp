#include "platform/http/identity.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

#include "platform/core/crypto.h"
#include "platform/core/strings.h"

namespace platform::http {
namespace {

constexpr std::size_t kMinSecretBytes = 32;
constexpr std::string_view kVersion = "v1";

bool is_key_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string join_roles(const std::vector<std::string>& roles) {
  std::string out;
  for (const auto& role : roles) {
    if (!out.empty()) out += ',';
    out += role;
  }
  return out;
}

// A time as decimal text, on the stack.
class TimeText {
 public:
  explicit TimeText(std::int64_t unix_time) {
    end_ = std::to_chars(text_.data(), text_.data() + text_.size(), unix_time).ptr;
  }
  std::string_view view() const {
    return {text_.data(), static_cast<std::size_t>(end_ - text_.data())};
  }

 private:
  std::array<char, 24> text_{};
  char* end_ = text_.data();
};

// The signature of "v1\n<user id>\n<roles>\n<request id>\n<unix time>", base64url. Signed for
// every proxied request: the text is put together once, in room made for all of it.
std::string mac(const IdentityKeys::Key& key, std::string_view user_id, std::string_view roles,
                std::string_view request_id, std::string_view unix_time) {
  std::string message;
  message.reserve(kVersion.size() + user_id.size() + roles.size() + request_id.size() +
                  unix_time.size() + 4);
  message.append(kVersion).append(1, '\n').append(user_id).append(1, '\n').append(roles);
  message.append(1, '\n').append(request_id).append(1, '\n').append(unix_time);
  return core::base64url_encode(core::hmac_sha256(key.secret, message));
}

struct ParsedSignature {
  std::string key_id;
  std::int64_t time = 0;
  std::string signature;
};

// "v1;kid=<id>;t=<unix seconds>;sig=<base64url>"
std::optional<ParsedSignature> parse_signature(std::string_view text) {
  const auto parts = core::split(core::trim(text), ';');
  if (parts.size() != 4 || parts[0] != kVersion) return std::nullopt;
  ParsedSignature parsed;
  bool have_kid = false;
  bool have_time = false;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto eq = parts[i].find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const auto name = parts[i].substr(0, eq);
    const auto value = parts[i].substr(eq + 1);
    if (name == "kid") {
      parsed.key_id = std::string(value);
      have_kid = true;
    } else if (name == "t") {
      const auto end = value.data() + value.size();
      const auto [at, ec] = std::from_chars(value.data(), end, parsed.time);
      if (ec != std::errc() || at != end) return std::nullopt;
      have_time = true;
    } else if (name == "sig") {
      parsed.signature = std::string(value);
    } else {
      return std::nullopt;
    }
  }
  if (!have_kid || !have_time || parsed.signature.empty()) return std::nullopt;
  return parsed;
}

}  // namespace

core::Result<IdentityKeys> IdentityKeys::parse(std::string_view text) {
  std::vector<Key> keys;
  for (const auto entry : core::split(text, ',')) {
    const auto trimmed = core::trim(entry);
    if (trimmed.empty()) continue;
    const auto colon = trimmed.find(':');
    if (colon == std::string_view::npos) {
      return core::Error::invalid_argument("gateway.identity_keys",
                                           "expected kid:base64secret entries");
    }
    const std::string id(trimmed.substr(0, colon));
    if (!is_key_id(id)) {
      return core::Error::invalid_argument("gateway.identity_keys",
                                           "a key id must be 1 to 32 of A-Z a-z 0-9 . _ -");
    }
    const auto secret = core::base64_decode_any(trimmed.substr(colon + 1));
    if (!secret) {
      return core::Error::invalid_argument("gateway.identity_keys",
                                           "the secret of key " + id + " is not base64");
    }
    if (secret->size() < kMinSecretBytes) {
      return core::Error::invalid_argument(
          "gateway.identity_keys", "the secret of key " + id + " must be at least 32 bytes");
    }
    for (const auto& key : keys) {
      if (key.id == id) {
        return core::Error::invalid_argument("gateway.identity_keys",
                                             "key id " + id + " appears twice");
      }
    }
    keys.push_back({id, *secret});
  }
  if (keys.empty()) {
    return core::Error::invalid_argument("gateway.identity_keys", "no key is given");
  }
  return IdentityKeys(std::move(keys));
}

const IdentityKeys::Key* IdentityKeys::find(std::string_view id) const {
  for (const auto& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

std::string sign_identity(const IdentityKeys& keys, const Caller& caller,
                          std::string_view request_id, std::int64_t unix_time) {
  const auto& key = keys.signing_key();
  const TimeText time(unix_time);
  const std::string signature =
      mac(key, caller.user_id, join_roles(caller.roles), request_id, time.view());
  std::string header;
  header.reserve(kVersion.size() + key.id.size() + time.view().size() + signature.size() + 12);
  header.append(kVersion).append(";kid=").append(key.id).append(";t=").append(time.view());
  header.append(";sig=").append(signature);
  return header;
}

core::Result<Caller> verify_identity(const Request& request, const IdentityKeys* keys,
                                     std::int64_t unix_time, const IdentityOptions& options) {
  for (const auto name : {kUserIdHeader, kUserRolesHeader, kUserSignatureHeader}) {
    if (request.headers.count(name) > 1) {
      return core::Error::malformed("the request carries " + std::string(name) + " twice");
    }
  }
  const auto user_id = request.headers.find(kUserIdHeader);
  const auto signature = request.headers.find(kUserSignatureHeader);
  if (keys == nullptr || keys->empty() || !user_id || !signature) return Caller{};
  const auto parsed = parse_signature(*signature);
  if (!parsed) return Caller{};
  const auto* key = keys->find(parsed->key_id);
  if (key == nullptr) return Caller{};
  if (parsed->time < unix_time - options.max_age.count() ||
      parsed->time > unix_time + options.max_clock_skew.count()) {
    return Caller{};
  }
  const std::string_view roles = request.headers.get(kUserRolesHeader);
  const std::string expected =
      mac(*key, *user_id, roles, request.trace.request_id, TimeText(parsed->time).view());
  if (!core::constant_time_equals(expected, parsed->signature)) return Caller{};
  Caller caller;
  caller.user_id = std::string(*user_id);
  for (const auto role : core::split(roles, ',')) {
    const auto trimmed = core::trim(role);
    if (!trimmed.empty()) caller.roles.emplace_back(trimmed);
  }
  return caller;
}

Middleware identity_middleware(std::shared_ptr<const IdentityKeys> keys, IdentityOptions options) {
  return {
      .on_request = [keys = std::move(keys), options](Request& request) -> std::optional<Response> {
        auto caller = verify_identity(request, keys.get(), std::time(nullptr), options);
        request.headers.remove(kUserIdHeader);
        request.headers.remove(kUserRolesHeader);
        request.headers.remove(kUserSignatureHeader);
        if (!caller) return Response::problem(caller.error(), request);
        request.caller = std::move(*caller);
        return std::nullopt;
      },
      .on_response = nullptr};
}

}  // namespace platform::http
