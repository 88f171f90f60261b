#include "api/watch_params.h"

#include "platform/core/strings.h"

namespace config_service::api {
std::optional<std::chrono::milliseconds> parse_wait(std::string_view text) {
  std::int64_t factor = 0;
  if (text.ends_with("ms")) {
    factor = 1;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    factor = 1000;
    text.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  const auto amount = platform::core::parse_integer<std::int64_t>(text);
  if (!amount || *amount < 0 || *amount > kMaxWait.count()) return std::nullopt;
  const std::chrono::milliseconds wait(*amount * factor);
  if (wait > kMaxWait) return std::nullopt;
  return wait;
}

platform::core::Result<WatchParams> watch_params(const platform::http::Request& request) {
  WatchParams params;
  if (auto wait = request.query_param("wait")) {
    params.wait = parse_wait(*wait);
    if (!params.wait)
      return platform::core::Error::malformed(
          "wait must be a duration such as 30s or 500ms, at most 60s");
  }
  if (auto after = request.query_param("after")) {
    params.after = platform::core::parse_integer<std::int64_t>(*after);
    if (!params.after || *params.after < 0)
      return platform::core::Error::malformed("after must be a version: an integer from 0");
  }
  return params;
}

platform::http::Request answer_context(const platform::http::Request& request) {
  platform::http::Request copy;
  copy.method = request.method;
  copy.path = request.path;
  copy.trace = request.trace;
  // A 401's challenge says whether a token was presented (api/platform_token.h).
  if (auto authorization = request.headers.find("Authorization"))
    copy.headers.set("Authorization", *authorization);
  return copy;
}

}  // namespace config_service::api
