// GCRA in integers (microseconds), the one definition of a decision. The Lua script in
// redis_limiter.cpp does the same arithmetic; keep the two in step.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

#include "platform/ratelimit/limiter.h"

namespace platform::ratelimit::internal {

inline constexpr double kMinRate = 0.001;
inline constexpr double kMaxRate = 1e6;
inline constexpr std::uint32_t kMaxBurst = 1'000'000;

// A policy's numbers, clamped into the range validate_policy accepts.
struct GcraParameters {
  std::int64_t interval_us = 1;  // the emission interval T: one request's cost
  std::int64_t burst = 1;

  static GcraParameters of(const Policy& policy) {
    double rate = policy.rate_per_second;
    if (!(rate >= kMinRate)) rate = kMinRate;  // also NaN
    rate = std::min(rate, kMaxRate);
    GcraParameters parameters;
    parameters.interval_us = std::max<std::int64_t>(1, std::llround(1e6 / rate));
    parameters.burst = std::clamp<std::int64_t>(policy.burst, 1, kMaxBurst);
    return parameters;
  }
};

struct GcraStep {
  bool allowed = false;
  std::int64_t tat = 0;  // the bucket's TAT afterwards
  std::int64_t remaining = 0;
  std::int64_t reset_us = 0;
  std::int64_t retry_after_us = 0;
};

// One request at `now` against a bucket whose TAT is `tat` (now or earlier: a full bucket).
inline GcraStep gcra_step(std::int64_t tat, std::int64_t now, const GcraParameters& p) {
  const std::int64_t capacity = p.interval_us * p.burst;
  tat = std::max(tat, now);
  const std::int64_t used = tat - now + p.interval_us;  // with this request
  if (used <= capacity) {
    return {.allowed = true,
            .tat = tat + p.interval_us,
            .remaining = (capacity - used) / p.interval_us,
            .reset_us = used,
            .retry_after_us = 0};
  }
  const std::int64_t wait = used - capacity;
  return {.allowed = false, .tat = tat, .remaining = 0, .reset_us = wait, .retry_after_us = wait};
}

inline std::chrono::milliseconds ceil_ms(std::int64_t microseconds) {
  return std::chrono::milliseconds((std::max<std::int64_t>(microseconds, 0) + 999) / 1000);
}

inline std::uint32_t to_u32(std::int64_t value) {
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(value, 0, std::numeric_limits<std::uint32_t>::max()));
}

// The Decision of a step.
inline Decision to_decision(const GcraStep& step, const GcraParameters& p, Source source) {
  Decision decision;
  decision.allowed = step.allowed;
  decision.limit = to_u32(p.burst);
  decision.remaining = to_u32(step.remaining);
  decision.reset = ceil_ms(step.reset_us);
  decision.retry_after = ceil_ms(step.retry_after_us);
  decision.source = source;
  return decision;
}

}  // namespace platform::ratelimit::internal
