// Consuming a Redis stream in a consumer group, at least once, applied exactly once:
// each handled event id is recorded in the inbox table in the same transaction as the
// handler's effect, so a redelivered event changes nothing.
//
//   Consumer consumer(database, {.stream = "events.subject", .group = "syllabus-service",
//                                .consumer = instance_id, .redis = {...}}, logger, registry);
//   consumer.on("subject.updated", 1, [&](const Event& e, db::Session& s) { ...; return ok(); });
//   consumer.start();
//
// A failing handler is retried with exponential backoff; after `max_attempts` the event
// goes to "<stream>.dlq" with the last error and the attempt count, and is acknowledged.
// Entries a dead consumer left pending longer than `claim_idle` are claimed (XAUTOCLAIM).
// Unknown types and versions newer than a handler knows are acknowledged, skipped and
// counted, never fatal. stop() finishes the event in hand and leaves the rest pending.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platform/db/database.h"
#include "platform/events/event.h"
#include "platform/events/redis.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::events {

using EventHandler = std::function<core::Result<void>(const Event& event, db::Session& session)>;

struct ConsumerOptions {
  std::string stream;    // "events.subject"
  std::string group;     // the consuming service: "syllabus-service"
  std::string consumer;  // this instance: unique within the group
  RedisOptions redis;
  std::size_t batch_size = 32;
  std::chrono::milliseconds block{1000};
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{100};  // doubles each attempt
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds claim_idle{30000};
  bool from_start = true;  // a new group starts at the stream's beginning
};

class Consumer {
 public:
  Consumer(db::Database& database, ConsumerOptions options, logging::Logger& logger,
           metrics::Registry& registry);
  ~Consumer();  // stop()
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Handles `type_name` ("subject.updated") events of versions 1..max_version.
  void on(std::string type_name, int max_version, EventHandler handler);
  void start();
  void stop();

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
