// Rate limiting for the API gateway: a GCRA bucket (a token bucket without a timer) per
// caller and policy, asked asynchronously so that a network thread never waits.
//
//   auto limiter = make_memory_limiter();                      // one replica
//   const Policy policy{.name = "default", .rate_per_second = 50, .burst = 100};
//   limiter->decide(policy, caller_key(user_id, client_ip), [&](Decision decision) {
//     if (!decision.allowed) return reply(429, rate_limit_headers(policy, decision));
//     forward(request, rate_limit_headers(policy, decision));
//   });
//
// Several replicas share their buckets in Redis: make_redis_limiter (redis_limiter.h).
// Headers for the response: rate_limit_headers (headers.h).
//
// The algorithm (GCRA, the same in memory and in the Redis script): a bucket is one
// number, its theoretical arrival time (TAT). Each request costs one emission interval
// T = 1 s / rate_per_second; a request at `now` is allowed when max(TAT, now) + T - now
// <= burst * T, and then moves TAT there. So a fresh caller may send `burst` requests at
// once, and afterwards one every T on average. A bucket whose TAT has passed is full and
// the same as no bucket at all: that is why forgetting idle buckets (memory) and letting
// keys expire (Redis) never changes a decision.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "platform/core/result.h"

namespace platform::metrics {
class Registry;
}

namespace platform::ratelimit {

// A limit: `burst` requests at once, refilled at `rate_per_second`. The name says which
// policy a bucket and a header belong to (a route group: "default", "uploads", "login");
// the same caller has one bucket per policy name.
struct Policy {
  std::string name = "default";
  double rate_per_second = 50;
  std::uint32_t burst = 100;
};

// kInvalidArgument unless the name is 1 to 64 of [A-Za-z0-9_.-] (it becomes part of a
// Redis key, a metric label and a header), 0.001 <= rate_per_second <= 1e6 and
// 1 <= burst <= 1e6. Check policies when the configuration is loaded: decide() assumes a
// valid policy (it clamps the numbers of an invalid one into range rather than fail).
core::Result<void> validate_policy(const Policy& policy);

// Who answered a decision.
enum class Source {
  kMemory,      // the in-memory limiter (one replica)
  kRedis,       // the bucket shared by every replica, in Redis
  kLocal,       // Redis unavailable, fail mode local: this replica's own bucket
  kFailOpen,    // Redis unavailable, fail mode open: allowed, nothing counted
  kFailClosed,  // Redis unavailable, fail mode closed: denied, nothing counted (a 503)
};
std::string_view to_string(Source source);  // "memory", "redis", "local", "open", "closed"

struct Decision {
  bool allowed = false;
  std::uint32_t limit = 0;      // the policy's burst
  std::uint32_t remaining = 0;  // requests that could follow at once
  // Allowed: until the bucket is full again. Denied: until the next request can pass
  // (== retry_after). Becomes the RateLimit header's t.
  std::chrono::milliseconds reset{0};
  // Denied: until the next request can pass (a 429's Retry-After); zero when allowed.
  std::chrono::milliseconds retry_after{0};
  // The shared backend (Redis) did not answer: the fail mode did (see source).
  bool backend_failed = false;
  Source source = Source::kMemory;
};

class Limiter {
 public:
  virtual ~Limiter();
  // Takes one request from the bucket of (policy, key) when it has room, and calls `done`
  // exactly once with the decision: inline, before decide returns (memory limiter; Redis
  // limiter while Redis is down), or on the limiter's own thread (Redis). `done` must be
  // quick and must not throw: hand the decision to the connection's executor. It may call
  // decide() again (a second policy), never decide_blocking(). Never blocks on I/O;
  // thread-safe.
  virtual void decide(const Policy& policy, std::string_view key,
                      std::function<void(Decision)> done) = 0;
};

// decide() and wait for the answer: for worker threads and tests, never a network thread.
Decision decide_blocking(Limiter& limiter, const Policy& policy, std::string_view key);

// The bucket key of a caller: "user:<id>" for an authenticated caller, else the client
// address, "ip:203.0.113.7"; an IPv6 client counts by its /64 ("ip:2001:db8:1:2::/64"),
// which one host or subscriber usually holds whole (rotating addresses inside it would
// otherwise give fresh buckets). An IPv4-mapped IPv6 address counts as the IPv4 one; an
// address that does not parse is used as written.
std::string caller_key(std::string_view user_id, std::string_view client_ip);

using Clock = std::chrono::steady_clock;
// Where the time comes from: steady_clock::now, or a test's hand-moved clock.
using ClockFunction = std::function<Clock::time_point()>;

struct MemoryLimiterOptions {
  // Buckets kept at most, over all policies. A full bucket is forgotten anyway (it is the
  // same as none); past the cap, the buckets nearest to full are forgotten first, which
  // lets those callers start again with a full bucket (counted in
  // ratelimit_evicted_keys_total).
  std::size_t max_keys = 100'000;
  std::size_t shards = 16;  // one mutex each
  // How often a shard drops its full buckets (inline, on the next decision after it).
  std::chrono::milliseconds sweep_interval{10'000};
  ClockFunction clock = Clock::now;
};

// One replica's limiter: buckets in a sharded map; decide() answers inline. With a
// registry it counts ratelimit_decisions_total{policy,outcome} and
// ratelimit_evicted_keys_total.
std::unique_ptr<Limiter> make_memory_limiter(MemoryLimiterOptions options = {},
                                             metrics::Registry* metrics = nullptr);

}  // namespace platform::ratelimit
