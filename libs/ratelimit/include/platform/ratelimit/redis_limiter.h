// The limiter of several replicas: every bucket lives in Redis, so the replicas enforce
// one combined budget per caller. hiredis stays inside src/.
//
//   auto limiter = make_redis_limiter({.url = "redis://redis:6379", .fail_mode = FailMode::kLocal},
//                                     &registry, &log);
//   if (!limiter) return limiter.error();              // a bad URL or option: fatal at start-up
//   (*limiter)->decide(policy, key, [&](Decision decision) { /* on the limiter's thread */ });
//
// One decision is one run of one Lua script (GCRA, see limiter.h), atomic in Redis: it
// reads the bucket's TAT, decides by the Redis server's clock (TIME, so the replicas'
// clocks need not agree), and writes the new TAT with SET ... PX, expiring when the
// bucket is full again. The script is sent as EVALSHA, and as EVAL when Redis answers
// NOSCRIPT (a first use, a restarted Redis, SCRIPT FLUSH).
//
// Threading: decide() only queues the request (it never waits on Redis). The limiter's
// thread owns one hiredis connection; it takes everything queued (up to max_batch),
// pipelines the scripts in one round trip, then calls each `done` in the order the
// requests came, on that thread.
//
// When Redis cannot answer: a request that waited in the queue longer than `timeout`,
// a round trip that took longer than `timeout` (the socket timeout), a broken or refused
// connection, an error reply — the fail mode answers instead, with backend_failed set:
//   kOpen    allowed (source kFailOpen): no limit at all meanwhile
//   kClosed  denied (source kFailClosed): the gateway answers 503 (see denial_error)
//   kLocal   this replica's own in-memory bucket (source kLocal), the policy divided by
//            `replicas` so that all of them together stay near the shared budget
// While the connection is down, decide() answers inline with the fail mode; the thread
// tries to connect again at most once per reconnect_interval, and is back to the shared
// buckets on its own once Redis answers (a PING passes). A restarted Redis has lost its
// buckets: callers start full. A script that timed out may still run in Redis later and
// count that request although the fail mode answered it.
//
// Never silent: ratelimit_backend_failures_total counts each decision the fail mode
// answered because of Redis, ratelimit_backend_up is 1 or 0, and one log line per change
// (a warning when Redis becomes unavailable, an info when it is back) — not one per
// request. Also ratelimit_decisions_total{policy,outcome="allowed"|"denied"}. Use one
// registry per limiter: two limiters in one registry share these series.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/result.h"
#include "platform/ratelimit/limiter.h"

namespace platform::logging {
class Logger;
}

namespace platform::ratelimit {

enum class FailMode { kOpen, kClosed, kLocal };
std::string_view to_string(FailMode mode);                       // "open", "closed", "local"
std::optional<FailMode> parse_fail_mode(std::string_view text);  // the same names

struct RedisLimiterOptions {
  std::string url = "redis://127.0.0.1:6379";  // redis://[[user]:password@]host[:port][/db]
  std::string key_prefix = "ratelimit:";       // a bucket is <prefix><policy>:<caller key>
  FailMode fail_mode = FailMode::kLocal;
  // How long a request may wait for Redis (in the queue, and again for the round trip:
  // the socket timeout) before the fail mode answers it.
  std::chrono::milliseconds timeout{50};
  std::chrono::milliseconds connect_timeout{200};
  // While Redis is down, a connection is tried at most this often.
  std::chrono::milliseconds reconnect_interval{500};
  std::size_t max_batch = 512;     // scripts pipelined in one round trip at most
  std::size_t max_pending = 8192;  // queued requests at most; beyond, the fail mode answers
  // Fail mode local: each replica enforces rate / replicas and burst / replicas (at least
  // 1). Leave 1 to let each replica allow the whole policy.
  std::uint32_t replicas = 1;
  MemoryLimiterOptions local;  // the buckets of the fail mode local
};

// Connects once before returning (waiting at most connect_timeout): a Redis that cannot be
// reached is no error — the limiter starts in its fail mode, logs it, and keeps trying.
// kInvalidArgument for a bad URL or option. Without a registry the metrics are kept
// privately; without a logger nothing is logged.
core::Result<std::unique_ptr<Limiter>> make_redis_limiter(RedisLimiterOptions options,
                                                          metrics::Registry* metrics,
                                                          logging::Logger* log);

}  // namespace platform::ratelimit
