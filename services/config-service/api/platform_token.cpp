#include "api/platform_token.h"

#include "platform/core/crypto.h"
#include "platform/core/strings.h"

namespace config_service::api {
namespace {

using platform::http::Request;
using platform::http::Response;

constexpr std::string_view kChallenge = "Bearer realm=\"syllabus-platform\"";

// The token of "Authorization: Bearer <token>" (scheme in any case), or nullopt.
std::optional<std::string_view> bearer_token(const Request& request) {
  const auto header = request.headers.find("Authorization");
  if (!header) return std::nullopt;
  const std::string_view value = platform::core::trim(*header);
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !platform::core::iequals(value.substr(0, kScheme.size()), kScheme))
    return std::nullopt;
  return platform::core::trim(value.substr(kScheme.size()));
}

}  // namespace

PlatformToken::PlatformToken(std::string_view token) : digest_(platform::core::sha256(token)) {}

bool PlatformToken::admits(const Request& request) const {
  const auto presented = bearer_token(request);
  return presented &&
         platform::core::constant_time_equals(platform::core::sha256(*presented), digest_);
}

platform::http::Handler PlatformToken::guard(platform::http::Handler handler) const {
  return [token = *this, handler = std::move(handler)](Request& request) {
    if (!token.admits(request)) return token.refusal(request);
    return handler(request);
  };
}

Response PlatformToken::problem(const platform::core::Error& error, const Request& request) const {
  Response response = Response::problem(error, request);
  if (error.code() != platform::core::ErrorCode::kUnauthenticated) return response;
  std::string challenge(kChallenge);
  if (bearer_token(request)) challenge += ", error=\"invalid_token\"";
  return response.with_header("WWW-Authenticate", challenge);
}

Response PlatformToken::refusal(const Request& request) const {
  const bool presented = bearer_token(request).has_value();
  return problem({platform::core::ErrorCode::kUnauthenticated,
                  presented ? "the platform token is not valid"
                            : "registry and configuration writes need the platform token "
                              "(Authorization: Bearer <token>)"},
                 request);
}

}  // namespace config_service::api
