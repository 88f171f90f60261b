// Consuming a Redis stream in a consumer group, at least once, applied exactly once:
// each handled event id is recorded in the inbox table in the same transaction as the
// handler's effect, so a redelivered event changes nothing.
//
//   Consumer consumer(database, {.stream = "events.subject", .group = "syllabus-service",
//                                .consumer = instance_id, .redis = {...}}, logger, registry);
//   consumer.on("subject.updated", 1, [&](const Event& e, db::Session& s) { ...; return ok(); });
//   consumer.start();
//   consumer.status();   // running, or paused with the reason and since when
//
// Failures. A handler that fails with kUnavailable or kDeadlineExceeded says a dependency
// is down, not that the event is bad: it is retried with capped exponential backoff, and
// after `max_transient_retries` the subscription pauses (reads nothing new, keeps the
// entry pending and in hand, status() paused, gauge events_consumer_paused 1) for
// `pause_duration`, then resumes with that same entry first. Such failures never count
// as attempts and never dead-letter an event. Any other failure is an attempt; after
// `max_attempts` of them the event goes to "<stream>.dlq" with the last error and the
// count, and is acknowledged.
//
// Counting attempts. Redis's delivery counter also grows when a consumer re-reads its own
// pending entries (after a restart) or when entries are claimed, so it says little about
// the event; the consumer keeps its own count per (group, event id) in the
// `event_attempts` table (migration 9003):
//   - a failed attempt adds one, in its own short transaction after the failed one rolled
//     back;
//   - a redelivery (Redis delivered it before, or it came from a claim or from this
//     consumer's own pending list) adds one *before* its first run, as "attempt started":
//     an event that crashes the consumer every time is thus counted although no failure
//     is ever recorded, and goes to the DLQ once the count reaches `max_attempts` instead
//     of circulating for ever. A first delivery pays no extra write;
//   - the count is forgotten when the event is handled or dead-lettered, so a replayed
//     dead letter gets a fresh set of attempts.
//
// Ownership. While entries are in hand (the one being handled and the rest of its read
// batch, also through backoffs and a pause), a keeper thread with its own connection
// resets their idle time every claim_idle/3 (XCLAIM ... JUSTID, which counts no
// delivery), so a slow handler keeps its entries; only entries a dead or stopped
// consumer left pending longer than `claim_idle` are claimed by others (XAUTOCLAIM).
//
// Unknown types and versions newer than a handler knows are acknowledged, skipped and
// counted, never fatal. stop() finishes the event in hand and leaves the rest pending.
//
// Metrics (events_consumed_total, _retried_total, _duplicates_total, _dead_lettered_total,
// _skipped_total{reason}) are labelled by type only with values this consumer registered:
// "subject.updated.v1" for a handled version, the bare "subject.updated" for a newer
// version than it handles, "unknown" for a type without a handler and "unparsable" for an
// entry that is not an event. Types from the wire never create series.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/time.h"
#include "platform/db/database.h"
#include "platform/events/event.h"
#include "platform/events/redis.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::tracing {
class Tracer;
}

namespace platform::events {

using EventHandler = std::function<core::Result<void>(const Event& event, db::Session& session)>;

struct ConsumerOptions {
  std::string stream;    // "events.subject"
  std::string group;     // the consuming service: "syllabus-service"
  std::string consumer;  // this instance: unique within the group
  RedisOptions redis;
  std::size_t batch_size = 32;
  std::chrono::milliseconds block{1000};
  int max_attempts = 5;                            // failed attempts before the DLQ
  std::chrono::milliseconds initial_backoff{100};  // doubles each retry
  std::chrono::milliseconds max_backoff{5000};
  int max_transient_retries = 8;  // retries of a dependency failure before pausing
  std::chrono::milliseconds pause_duration{30000};
  std::chrono::milliseconds claim_idle{30000};
  bool from_start = true;  // a new group starts at the stream's beginning
  // A consumer span per handling attempt of an event that carries a traceparent: in the
  // producer's trace, its child, and linked to it. Null: none. Outlives the consumer.
  tracing::Tracer* tracer = nullptr;
};

struct ConsumerStatus {
  enum class State { kStopped, kRunning, kPaused };
  State state = State::kStopped;
  std::string reason;     // kPaused: the dependency failure that paused it
  core::Timestamp since;  // when it entered this state
  bool broker_reachable = false;
};
std::string_view to_string(ConsumerStatus::State state);  // "stopped", "running", "paused"

class Consumer {
 public:
  Consumer(db::Database& database, ConsumerOptions options, logging::Logger& logger,
           metrics::Registry& registry);
  ~Consumer();  // stop()
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Handles `type_name` ("subject.updated") events of versions 1..max_version.
  Consumer& on(std::string type_name, int max_version, EventHandler handler);
  void start();
  void stop();

  // For health checks; safe from any thread.
  ConsumerStatus status() const;
  const ConsumerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The dead-letter stream of `stream`: "events.subject.dlq".
std::string dead_letter_stream(const std::string& stream);

struct DeadLetter {
  std::string id;  // entry id in the DLQ stream
  Event event;
  std::string error;  // the last failure
  int attempts = 0;
  std::string group;  // the consumer group that gave up
  std::string failed_at;
  std::string original_id;  // entry id in the source stream
  // The envelope as it was received: the only record of an event that did not parse
  // (then `event` is empty).
  std::string event_json;
};

// Operator tools (used by the `sylevents` command).
core::Result<std::vector<DeadLetter>> list_dead_letters(RedisConnection& redis,
                                                        const std::string& stream,
                                                        std::size_t limit);
// Puts the event back on its stream (same event id: consumers that applied it already
// skip it through their inbox) and removes it from the DLQ. `id` "all" replays every one.
core::Result<std::size_t> replay_dead_letters(RedisConnection& redis, const std::string& stream,
                                              const std::string& id);

}  // namespace platform::events
