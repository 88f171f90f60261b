// The query parameters of a long poll: `wait` ("30s", "500ms"; at most 60 s) and
// `after` (a version). Both absent: answer at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "platform/core/result.h"
#include "platform/http/message.h"

namespace config_service::api {

inline constexpr std::chrono::milliseconds kMaxWait{60'000};

struct WatchParams {
  std::optional<std::chrono::milliseconds> wait;
  std::optional<std::int64_t> after;

  // True when the request should wait for a version above `after`.
  bool waits() const { return wait && after && wait->count() > 0; }
};

// "30s" or "500ms" from 0 to 60 s; nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_wait(std::string_view text);

// What a deferred answer needs from the request (method, path, trace, Authorization): the
// Request itself dies when the async handler returns.
platform::http::Request answer_context(const platform::http::Request& request);

// kMalformed (400) for a bad `wait` or `after`.
platform::core::Result<WatchParams> watch_params(const platform::http::Request& request);

}  // namespace config_service::api
