#include "api/watch_params.h"

#include <charconv>

namespace config_service::api {
namespace {

template <typename Integer>
std::optional<Integer> parse_integer(std::string_view text) {
  Integer value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

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
  const auto amount = parse_integer<std::int64_t>(text);
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
    params.after = parse_integer<std::int64_t>(*after);
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
