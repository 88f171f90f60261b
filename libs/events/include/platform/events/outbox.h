// The transactional outbox: a command's state change and its events commit in one
// database transaction; a relay publishes them to the producer's Redis stream.
//
//   // inside db.transaction(...):
//   if (auto added = append_to_outbox(session, "events.subject", event); !added) return added;
//   // after the commit:
//   relay.notify();
//
//   OutboxRelay relay(database, {.stream = "events.subject", .redis = {...}}, logger, registry);
//   relay.start();   // a thread: publishes promptly when notified, sweeps every interval
//
// Guarantees: a committed event is published at least once, even across a crash or a
// Redis outage (rows stay until published); rows are published in commit order, so the
// order per aggregate holds; several replicas never publish one stream at once (a lease
// per stream in `outbox_relay_leases`, see below). Published rows are pruned after
// `retention`.
//
// The relay never calls Redis inside a database transaction, so a slow or hanging Redis
// cannot hold SQLite's only write lock (or a PostgreSQL transaction) and stall the
// service's writers. A round: select the batch (a plain read), XADD it, then mark it
// published in a short write transaction. At least once, not exactly once: a crash (or a
// failed mark) between the XADD and the mark publishes the batch again after the
// restart; consumers dedupe by event id through their inbox.
//
// The lease: a row per stream with a holder and an expiry (the database's clock), taken
// or renewed in a short transaction only when it is free, expired or ours (PostgreSQL:
// SELECT ... FOR UPDATE SKIP LOCKED, so a second replica skips rather than waits; SQLite:
// a conditional UPDATE). The mark transaction renews it and stop() gives it up. It lasts
// at least twice a round's worst case (connect and command timeouts), and a relay
// publishes only while at least half of it is left, so a lease never runs out under a
// batch in flight; a crashed holder's successor waits for it to run out.
//
// While Redis is down the relay retries with exponential backoff (sweep_interval doubling
// up to max_backoff; notify() does not cut a backoff short) and logs once per outage.
// Metrics: events_published_total{type}, outbox_publish_failures_total{stream}, and the
// gauges outbox_backlog{stream} and outbox_oldest_age_seconds{stream}, refreshed by the
// relay about once a second (scraping /metrics never queries the database).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/embedded_file.h"
#include "platform/db/database.h"
#include "platform/events/event.h"
#include "platform/events/redis.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::tracing {
class Tracer;
}

namespace platform::events {

// The event tables (outbox, inbox, attempts, relay leases: versions 9001+), to embed
// beside a service's own migrations.
std::vector<core::EmbeddedFile> migration_files();

// Adds `event` to the outbox in the caller's transaction.
core::Result<void> append_to_outbox(db::Session& session, const std::string& stream,
                                    const Event& event);

struct OutboxStatus {
  std::uint64_t backlog = 0;                 // committed, not yet published
  std::optional<double> oldest_age_seconds;  // age of the oldest unpublished row
};
core::Result<OutboxStatus> outbox_status(db::Database& database);

struct RelayOptions {
  std::string stream;  // "events.subject"
  RedisOptions redis;
  std::size_t batch_size = 256;
  std::chrono::milliseconds sweep_interval{1000};  // also the retry pace while Redis is down
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::hours retention{24 * 7};
  // How long a relay keeps publishing the stream without renewing; raised to twice the
  // connect and command timeouts (plus a second) when shorter. A crashed publisher's
  // successor waits this long at most.
  std::chrono::milliseconds lease_duration{10000};
  std::string holder;  // who holds the lease (logs, the table); empty: a fresh UUID
  // How long stop() goes on starting rounds for what was committed before it; a round
  // under way when the budget ends is bounded by the Redis and database timeouts.
  std::chrono::milliseconds stop_budget{2000};
  // A producer span per published event of a traced request: a child of the request's
  // span, from the event's creation to its publication; the published envelope's
  // traceparent names it, so that consumers link to it. Null: none. Outlives the relay.
  tracing::Tracer* tracer = nullptr;
};

class OutboxRelay {
 public:
  OutboxRelay(db::Database& database, RelayOptions options, logging::Logger& logger,
              metrics::Registry& registry);
  ~OutboxRelay();  // stop()
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  void start();
  // Wakes the relay now: call after committing a transaction that appended events.
  void notify();
  // Finishes the round in hand and joins the thread; then, the broker answering, publishes
  // what is still waiting (commits whose wake came too late for a round: a service
  // stopping right after its last request), within RelayOptions::stop_budget; then gives
  // up the lease.
  void stop();

  // For the readiness check: whether the last publish attempt reached Redis.
  bool broker_reachable() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace platform::events
