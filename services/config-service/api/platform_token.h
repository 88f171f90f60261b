// Who may write to the registry and the configuration: the holder of the platform token
// (platform.token, shared by every service of a platform). Requests carry it as
// "Authorization: Bearer <token>"; it is compared in constant time, as SHA-256 digests,
// so that neither its bytes nor its length leak through timing.
//
//   PlatformToken token(config.get("platform.token"));
//   router.post("/registry/instances", token.guard(bind(&Routes::register_instance)));
//   application::Reader reader{.holds_platform_token = token.admits(request)};
//   return token.problem(error, request);   // adds WWW-Authenticate to a 401
#pragma once

#include <string>
#include <string_view>

#include "platform/core/error.h"
#include "platform/http/router.h"

namespace config_service::api {

class PlatformToken {
 public:
  explicit PlatformToken(std::string_view token);

  // Whether `request` carries the token.
  bool admits(const platform::http::Request& request) const;
  // `handler`, answered 401 for a request without the token.
  platform::http::Handler guard(platform::http::Handler handler) const;
  // Response::problem(error, request), with the RFC 6750 challenge when it is a 401:
  // `WWW-Authenticate: Bearer realm="syllabus-platform"` (and error="invalid_token" when
  // the request presented a token that is not the platform's).
  platform::http::Response problem(const platform::core::Error& error,
                                   const platform::http::Request& request) const;
  // The 401 for a request without the token.
  platform::http::Response refusal(const platform::http::Request& request) const;

 private:
  std::string digest_;  // SHA-256 of the token
};

}  // namespace config_service::api
