// The response headers of a rate-limited route, in the structured form of the IETF draft
// "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-10), plus
// Retry-After when the request is refused.
//
//   for (const auto& [name, value] : rate_limit_headers(policy, decision))
//     response.headers.set(name, value);
//   // RateLimit-Policy: "default";q=100;w=2
//   // RateLimit: "default";r=42;t=1
//   // Retry-After: 1                          (denied only)
//   if (!decision.allowed) return http::Response::problem(denial_error(decision), request);
//
// What the numbers mean for a GCRA bucket (limiter.h):
//   q  the burst: what a full bucket lets through at once
//   w  seconds to refill an empty bucket, ceil(burst / rate), at least 1; so q / w is the
//      sustained rate (rounded when burst / rate is not whole)
//   r  the requests that could follow at once
//   t  seconds (rounded up) until the bucket is full again; on a refusal, until the next
//      request can pass, the same as Retry-After (the draft asks that Retry-After never
//      point before t)
// The policy name is a Structured Field String; no partition key (pk) is sent: the caller
// key is a user id or an address, which the draft advises not to echo.
// When Redis was down and the fail mode open or closed answered, nothing was counted:
// RateLimit is left out (RateLimit-Policy stays), and a closed refusal is a 503 with
// Retry-After.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "platform/core/error.h"
#include "platform/ratelimit/limiter.h"

namespace platform::ratelimit {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// "\"default\";q=100;w=2"
std::string rate_limit_policy_value(const Policy& policy);
// "\"default\";r=42;t=1"
std::string rate_limit_value(const Policy& policy, const Decision& decision);
// Whole seconds to wait before retrying: ceil(retry_after), at least 1.
std::chrono::seconds retry_after_seconds(const Decision& decision);

// RateLimit-Policy, RateLimit when a bucket was counted, Retry-After when denied.
HeaderList rate_limit_headers(const Policy& policy, const Decision& decision);

// The error of a refused request: kResourceExhausted (429), or kUnavailable (503) when the
// fail mode closed refused it; with its Retry-After. Only for a decision that is not
// allowed.
core::Error denial_error(const Decision& decision);

}  // namespace platform::ratelimit
