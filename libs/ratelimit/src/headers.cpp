#include "platform/ratelimit/headers.h"

#include <cmath>

#include "gcra.h"

namespace platform::ratelimit {
namespace {

// An RFC 9651 String: printable ASCII in quotes, '"' and '\' escaped. A valid policy name
// needs none of this; anything else is replaced rather than break the header.
void append_sf_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c >= 0x20 && c <= 0x7e) {
      out.push_back(c);
    } else {
      out.push_back('_');
    }
  }
  out.push_back('"');
}

// Whole seconds, rounded up.
std::int64_t ceil_seconds(std::chrono::milliseconds duration) {
  return (std::max<std::int64_t>(duration.count(), 0) + 999) / 1000;
}

bool counted(const Decision& decision) {
  return decision.source != Source::kFailOpen && decision.source != Source::kFailClosed;
}

}  // namespace

std::string rate_limit_policy_value(const Policy& policy) {
  const auto parameters = internal::GcraParameters::of(policy);
  // Seconds to refill an empty bucket: burst * T, rounded up, at least 1 (w is a
  // non-zero integer).
  const std::int64_t window =
      std::max<std::int64_t>(1, (parameters.burst * parameters.interval_us + 999'999) / 1'000'000);
  std::string out;
  append_sf_string(out, policy.name);
  out.append(";q=").append(std::to_string(parameters.burst));
  out.append(";w=").append(std::to_string(window));
  return out;
}

std::string rate_limit_value(const Policy& policy, const Decision& decision) {
  std::string out;
  append_sf_string(out, policy.name);
  out.append(";r=").append(std::to_string(decision.remaining));
  out.append(";t=").append(std::to_string(ceil_seconds(decision.reset)));
  return out;
}

std::chrono::seconds retry_after_seconds(const Decision& decision) {
  return std::chrono::seconds(std::max<std::int64_t>(1, ceil_seconds(decision.retry_after)));
}

HeaderList rate_limit_headers(const Policy& policy, const Decision& decision) {
  HeaderList headers;
  headers.reserve(3);
  headers.emplace_back("RateLimit-Policy", rate_limit_policy_value(policy));
  if (counted(decision)) headers.emplace_back("RateLimit", rate_limit_value(policy, decision));
  if (!decision.allowed)
    headers.emplace_back("Retry-After", std::to_string(retry_after_seconds(decision).count()));
  return headers;
}

core::Error denial_error(const Decision& decision) {
  if (decision.source == Source::kFailClosed) {
    return core::Error::unavailable("the rate limiter is unavailable; retry later",
                                    "rate limiter backend down, fail mode closed")
        .with_retry_after(retry_after_seconds(decision));
  }
  core::Error error(core::ErrorCode::kResourceExhausted, "too many requests; retry later");
  error.with_retry_after(retry_after_seconds(decision));
  return error;
}

}  // namespace platform::ratelimit
