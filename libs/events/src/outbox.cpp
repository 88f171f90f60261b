// The transactional outbox and its relay.
//
// Delivery is at least once. The relay XADDs a batch and then marks it published in a
// short transaction of its own; if the process dies (or the mark fails) after the XADD,
// the rows are still unpublished and go out again. Consumers therefore dedupe by event id
// through their inbox (consumer.h); a duplicate on the stream is expected, a lost event is
// not.
//
// Order: one relay publishes a stream at a time (the lease, see outbox.h), each batch in
// seq order and the next batch only after the previous one was marked, so the stream
// holds the events of one aggregate in the order their transactions committed.
#include "platform/events/outbox.h"

#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>

#include "platform/core/background_task.h"
#include "platform/core/time.h"
#include "platform/core/uuid.h"
#include "platform/tracing/tracer.h"

namespace platform::events {
namespace generated {
std::vector<core::EmbeddedFile> migration_files();
}  // namespace generated

namespace {

using core::Error;
using core::Result;
using db::Session;
using Clock = std::chrono::steady_clock;

constexpr auto kPruneInterval = std::chrono::minutes(1);
// How stale the backlog gauges may get: /metrics reads the cached values, never the database.
constexpr auto kStatusInterval = std::chrono::seconds(1);

// Unpublished rows (of one stream, or of all when `stream` is null): count and oldest age.
OutboxStatus read_status(Session& session, const std::string* stream) {
  long long backlog = 0;
  std::string oldest;
  soci::indicator oldest_indicator = soci::i_null;
  const std::string stream_name = stream ? *stream : std::string();
  if (stream) {
    session.sql() << "SELECT COUNT(*), MIN(created_at) FROM outbox "
                     "WHERE published_at IS NULL AND stream = :stream",
        soci::into(backlog), soci::into(oldest, oldest_indicator), soci::use(stream_name);
  } else {
    session.sql() << "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE published_at IS NULL",
        soci::into(backlog), soci::into(oldest, oldest_indicator);
  }
  OutboxStatus status;
  status.backlog = static_cast<std::uint64_t>(backlog);
  if (oldest_indicator == soci::i_ok) {
    if (const auto created = core::parse_rfc3339(oldest)) {
      status.oldest_age_seconds =
          std::max(0.0, std::chrono::duration<double>(core::now_utc() - *created).count());
    }
  }
  return status;
}

struct Row {
  long long seq = 0;
  std::string event_id;
  std::string type;
  std::string envelope;
};

std::vector<Row> select_unpublished(Session& session, const std::string& stream,
                                    std::size_t batch_size) {
  const int limit = static_cast<int>(batch_size);
  std::vector<long long> seqs(batch_size);
  std::vector<std::string> ids(batch_size), types(batch_size), envelopes(batch_size);
  session.sql() << "SELECT seq, event_id, type, envelope FROM outbox "
                   "WHERE published_at IS NULL AND stream = :stream ORDER BY seq LIMIT :limit",
      soci::into(seqs), soci::into(ids), soci::into(types), soci::into(envelopes),
      soci::use(stream), soci::use(limit);
  std::vector<Row> rows(seqs.size());
  for (std::size_t i = 0; i < seqs.size(); ++i)
    rows[i] = {seqs[i], std::move(ids[i]), std::move(types[i]), std::move(envelopes[i])};
  return rows;
}

// The database's clock in milliseconds since the Unix epoch, as an SQL expression: lease
// expiries are compared on one clock, whatever the replicas' clocks say.
std::string now_ms_sql(db::Backend backend) {
  return backend == db::Backend::kPostgresql
             ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
             : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

// Whether any row of `stream` waits to be published.
bool any_unpublished(Session& session, const std::string& stream) {
  int found = 0;
  session.sql() << "SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE stream = :stream AND "
                   "published_at IS NULL LIMIT 1) AS waiting",
      soci::into(found), soci::use(stream);
  return found > 0;
}

void mark_published(Session& session, const std::vector<Row>& rows) {
  const std::string now = core::format_rfc3339(core::now_utc());
  // The exact seqs, not a range: on PostgreSQL a row with a lower seq may commit after
  // the SELECT, and a range would mark it published unseen. The seqs are integers read
  // from our own table, so formatting them into the statement is safe.
  std::string sql = "UPDATE outbox SET published_at = :now WHERE seq IN (";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) sql += ',';
    sql += std::to_string(rows[i].seq);
  }
  sql += ')';
  session.sql() << sql, soci::use(now);
}

// The producer span of an event whose envelope carries a traceparent (see
// RelayOptions::tracer); the envelope's traceparent is changed to name the new span (its
// length stays the same). nullopt for an event without a valid one.
struct ProducerSpan {
  tracing::Span span;
  bool sampled = false;
};

std::optional<ProducerSpan> begin_producer_span(Row& row, const std::string& stream) {
  static constexpr std::string_view kKey = "\"traceparent\":\"";
  static constexpr std::size_t kLength = 55;  // version 00
  const auto key = row.envelope.find(kKey);
  if (key == std::string::npos) return std::nullopt;
  const std::size_t at = key + kKey.size();
  if (row.envelope.size() <= at + kLength || row.envelope[at + kLength] != '"') return std::nullopt;
  auto parent = tracing::parse_traceparent(std::string_view(row.envelope).substr(at, kLength));
  if (!parent) return std::nullopt;
  ProducerSpan out{.span = {.trace_id = std::move(parent->trace_id),
                            .span_id = tracing::new_span_id(),
                            .parent_span_id = std::move(parent->span_id),
                            .name = row.type + " publish",
                            .kind = tracing::SpanKind::kProducer,
                            .start_unix_nano = tracing::now_unix_nanos()},
                   .sampled = parent->sampled};
  // From the event's creation: the span shows how long it waited in the outbox.
  static constexpr std::string_view kTime = "\"time\":\"";
  if (const auto time = row.envelope.find(kTime); time != std::string::npos) {
    const auto begin = time + kTime.size();
    const auto end = row.envelope.find('"', begin);
    if (auto created =
            core::parse_rfc3339(std::string_view(row.envelope).substr(begin, end - begin))) {
      out.span.start_unix_nano = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(created->time_since_epoch())
              .count());
    }
  }
  out.span.attributes = {{"messaging.system", std::string("redis")},
                         {"messaging.operation.type", std::string("publish")},
                         {"messaging.destination.name", stream},
                         {"messaging.message.id", row.event_id}};
  row.envelope.replace(at + 36, 16, out.span.span_id);
  return out;
}

}  // namespace

std::vector<core::EmbeddedFile> migration_files() {
  return generated::migration_files();
}

core::Result<void> append_to_outbox(db::Session& session, const std::string& stream,
                                    const Event& event) {
  // to_json throws std::logic_error for data that is not a JSON object: a producer bug,
  // which aborts the caller's transaction rather than storing an unreadable event.
  const std::string envelope = to_json(event);
  const std::string created_at = core::format_rfc3339(core::now_utc());
  try {
    session.sql() << "INSERT INTO outbox (event_id, stream, aggregate_id, type, envelope, "
                     "created_at) VALUES (:event_id, :stream, :aggregate_id, :type, :envelope, "
                     ":created_at)",
        soci::use(event.id), soci::use(stream), soci::use(event.subject), soci::use(event.type),
        soci::use(envelope), soci::use(created_at);
  } catch (const std::exception&) {
    Error error = db::classify_current_exception(session.backend());
    if (error.code() == core::ErrorCode::kAlreadyExists)
      return Error::already_exists("event " + event.id + " is in the outbox already");
    return error;
  }
  return core::ok();
}

core::Result<OutboxStatus> outbox_status(db::Database& database) {
  return database.read<OutboxStatus>(
      [](Session& session) -> Result<OutboxStatus> { return read_status(session, nullptr); });
}

struct OutboxRelay::Impl {
  Impl(db::Database& database, RelayOptions options, logging::Logger& logger,
       metrics::Registry& registry)
      : database_(database),
        options_(std::move(options)),
        logger_(logger),
        registry_(registry),
        failures_(registry.counter("outbox_publish_failures_total",
                                   "Outbox relay rounds that failed to publish (broker or "
                                   "database unreachable); the rows stay and are retried.",
                                   {{"stream", options_.stream}})),
        backlog_(registry.gauge("outbox_backlog",
                                "Committed events not yet published to the broker.",
                                {{"stream", options_.stream}})),
        oldest_age_(registry.gauge("outbox_oldest_age_seconds",
                                   "Age of the oldest committed event not yet published.",
                                   {{"stream", options_.stream}})) {
    if (options_.batch_size == 0) options_.batch_size = 1;
    if (options_.holder.empty()) options_.holder = core::Uuid::v4().to_string();
    // A round's worst case is a reconnect and a command timing out; the lease outlasts
    // two of them, and a relay publishes only with half of it left.
    const auto round_worst_case = options_.redis.connect_timeout + options_.redis.command_timeout;
    lease_duration_ =
        std::max(options_.lease_duration, 2 * round_worst_case + std::chrono::seconds(1));
    backoff_ = options_.sweep_interval;
    core::BackgroundTask::Options task_options;
    task_options.on_exception = [this](std::string_view, std::string_view what) {
      record_failure(Error::internal("outbox relay: " + std::string(what)), false);
    };
    task_ = std::make_unique<core::BackgroundTask>(
        "outbox-relay " + options_.stream, [this](core::BackgroundTask&) { return step(); },
        task_options);
  }

  ~Impl() {
    task_->stop();
    release_lease();
  }

  // What was committed before stop(): its wake may not have reached the task, or came
  // while a round that did not see it ran, and the task ends without another round. So a
  // service that stops right after a commit publishes it now, not at its next start. Not
  // during an outage (the rows wait for the broker, as they would have); a batch after
  // another, rounds started within the stop budget.
  void publish_remaining() {
    if (!broker_reachable_.load()) return;
    const auto until = Clock::now() + options_.stop_budget;
    while (Clock::now() < until) {
      const Round round = run_round();
      if (round.failed || round.published < options_.batch_size) return;
    }
  }

  // What one round did.
  struct Round {
    std::size_t published = 0;
    bool failed = false;
  };

  core::Pause step() {
    const Round round = run_round();
    housekeeping();
    if (round.failed) {
      // Commits keep notifying during an outage; they must not turn the backoff into a
      // busy retry, so only stop() cuts this wait short. Rows appended meanwhile wait.
      const auto delay = backoff_;
      backoff_ = std::min(backoff_ * 2, std::max(options_.max_backoff, options_.sweep_interval));
      return core::Pause::ignoring_wake(delay);
    }
    backoff_ = options_.sweep_interval;
    // A full batch means more may be waiting: drain the backlog without pausing.
    if (round.published == options_.batch_size) return std::chrono::milliseconds(0);
    return options_.sweep_interval;
  }

  Round run_round() {
    try {
      return publish_batch();
    } catch (const std::exception& e) {
      // Not expected (the database and Redis adapters turn failures into Errors); the
      // relay must outlive it all the same.
      record_failure(Error::internal(std::string("outbox relay: ") + e.what()), false);
      return {0, true};
    }
  }

  // Select (a read), publish, mark (a short write): no transaction is open while Redis
  // is called.
  Round publish_batch() {
    if (!redis_) {
      auto connected = RedisConnection::connect(options_.redis);
      if (!connected) {
        record_failure(connected.error(), true);
        return {0, true};
      }
      redis_ = std::move(*connected);
    }

    if (!lease_fresh()) {
      // Only a relay with something to publish takes the lease: an idle one writes nothing.
      auto waiting = database_.read<bool>([&](Session& session) -> Result<bool> {
        return any_unpublished(session, options_.stream);
      });
      if (!waiting) {
        record_failure(waiting.error(), false);
        return {0, true};
      }
      if (!*waiting) return idle();
      auto held = take_lease();
      if (!held) {
        record_failure(held.error(), false);
        return {0, true};
      }
      if (!*held) return idle();  // another replica publishes this stream
    }

    auto rows = database_.read<std::vector<Row>>([&](Session& session) -> Result<std::vector<Row>> {
      return select_unpublished(session, options_.stream, options_.batch_size);
    });
    if (!rows) {
      record_failure(rows.error(), false);
      return {0, true};
    }
    if (rows->empty()) return idle();

    std::vector<ProducerSpan> spans;
    if (options_.tracer != nullptr) {
      for (Row& row : *rows)
        if (auto span = begin_producer_span(row, options_.stream))
          spans.push_back(std::move(*span));
    }
    std::vector<StreamFields> entries;
    entries.reserve(rows->size());
    for (const Row& row : *rows)
      entries.push_back({{"event", row.envelope}, {"type", row.type}, {"id", row.event_id}});
    if (auto ids = redis_->xadd_many(options_.stream, entries); !ids) {
      record_failure(ids.error(), true);  // the rows stay unpublished
      return {0, true};
    }
    // Published: a later round that publishes them again (the mark failed) makes spans of
    // its own, as it is another publication.
    for (auto& produced : spans) {
      produced.span.end_unix_nano = tracing::now_unix_nanos();
      options_.tracer->finish(std::move(produced.span), produced.sampled);
    }

    const auto renewing = Clock::now();
    auto marked = database_.transaction<bool>([&](Session& session) -> Result<bool> {
      mark_published(session, *rows);
      return renew_lease(session);
    });
    if (!marked) {
      // Published but not marked: the next round publishes these rows again.
      lease_until_ = Clock::time_point{};
      record_failure(marked.error(), false);
      return {0, true};
    }
    lease_until_ = *marked ? renewing + lease_duration_ : Clock::time_point{};
    record_success(*rows);
    return {rows->size(), false};
  }

  // Nothing to publish here and now; still tell readiness whether the broker answers.
  Round idle() {
    if (auto pong = redis_->ping(); !pong) {
      record_failure(pong.error(), true);
      return {0, true};
    }
    record_success({});
    return {0, false};
  }

  // --- the lease -------------------------------------------------------------------

  // Whether this relay holds the lease with at least half of it left (by its own clock,
  // which starts counting before the database does).
  bool lease_fresh() const { return Clock::now() + lease_duration_ / 2 < lease_until_; }

  // Takes or renews the stream's lease in a short transaction, when it is free, expired
  // or ours; false when another replica holds it.
  Result<bool> take_lease() {
    const auto taking = Clock::now();
    const long long duration_ms = lease_duration_.count();
    const std::string now_ms = now_ms_sql(database_.backend());
    auto held = database_.transaction<bool>([&](Session& session) -> Result<bool> {
      session.sql() << "INSERT INTO outbox_relay_leases (stream, holder, expires_at) "
                       "VALUES (:stream, '', 0) ON CONFLICT (stream) DO NOTHING",
          soci::use(options_.stream);
      if (session.backend() == db::Backend::kPostgresql) {
        // SKIP LOCKED: while another replica takes or renews the lease, skip this round
        // rather than wait for it.
        std::string holder;
        long long expires_at = 0;
        long long now = 0;
        soci::statement select =
            (session.sql().prepare << "SELECT holder, expires_at, " + now_ms +
                                          " FROM outbox_relay_leases WHERE stream = :stream "
                                          "FOR UPDATE SKIP LOCKED",
             soci::into(holder), soci::into(expires_at), soci::into(now),
             soci::use(options_.stream));
        if (!select.execute(true)) return false;
        if (holder != options_.holder && expires_at > now) return false;
      }
      soci::statement take =
          (session.sql().prepare << "UPDATE outbox_relay_leases SET holder = :holder, "
                                    "expires_at = " +
                                        now_ms +
                                        " + :duration WHERE stream = :stream AND "
                                        "(holder = :holder2 OR expires_at <= " +
                                        now_ms + ")",
           soci::use(options_.holder), soci::use(duration_ms), soci::use(options_.stream),
           soci::use(options_.holder));
      take.execute(true);
      return take.get_affected_rows() == 1;
    });
    if (held) lease_until_ = *held ? taking + lease_duration_ : Clock::time_point{};
    return held;
  }

  // Inside the mark transaction: extends the lease if it is still ours.
  bool renew_lease(Session& session) {
    const long long duration_ms = lease_duration_.count();
    soci::statement renew =
        (session.sql().prepare << "UPDATE outbox_relay_leases SET expires_at = " +
                                      now_ms_sql(session.backend()) +
                                      " + :duration WHERE stream = :stream AND holder = :holder",
         soci::use(duration_ms), soci::use(options_.stream), soci::use(options_.holder));
    renew.execute(true);
    return renew.get_affected_rows() == 1;
  }

  // On a graceful stop: lets another replica (or this one restarted) take over at once
  // rather than after the lease runs out.
  void release_lease() {
    if (lease_until_ == Clock::time_point{}) return;
    lease_until_ = Clock::time_point{};
    auto released = database_.transaction<void>([&](Session& session) -> Result<void> {
      session.sql() << "UPDATE outbox_relay_leases SET expires_at = 0 WHERE stream = :stream AND "
                       "holder = :holder",
          soci::use(options_.stream), soci::use(options_.holder);
      return core::ok();
    });
    if (!released)
      logger_.debug("cannot release the outbox relay lease; it runs out by itself",
                    {{"stream", options_.stream}, {"error", released.error().log_detail()}});
  }

  // --- outcomes --------------------------------------------------------------------

  void record_failure(const Error& error, bool broker) {
    failures_.inc();
    if (broker) broker_reachable_.store(false);
    // Once per outage, not once per retry.
    if (failing_) return;
    failing_ = true;
    outage_started_ = Clock::now();
    logger_.warn(broker ? "event broker unreachable: outbox events wait in the database"
                        : "outbox relay cannot read the outbox",
                 {{"stream", options_.stream},
                  {"error", error.detail()},
                  {"error_detail", error.log_detail()}});
  }

  void record_success(const std::vector<Row>& published) {
    broker_reachable_.store(true);
    if (failing_) {
      failing_ = false;
      const double seconds = std::chrono::duration<double>(Clock::now() - outage_started_).count();
      logger_.info("outbox relay recovered",
                   {{"stream", options_.stream}, {"outage_seconds", seconds}});
    }
    for (const Row& row : published) published_counter(row.type).inc();
  }

  metrics::Counter& published_counter(const std::string& type) {
    auto found = published_by_type_.find(type);
    if (found != published_by_type_.end()) return *found->second;
    metrics::Counter& counter =
        registry_.counter("events_published_total",
                          "Events published to the broker by the outbox relay.", {{"type", type}});
    published_by_type_.emplace(type, &counter);
    return counter;
  }

  // Refreshes the cached backlog gauges and prunes old published rows, each on its own
  // pace; failures here are logged at debug level (a database outage shows up elsewhere).
  void housekeeping() {
    const auto now = Clock::now();
    if (now - last_status_ >= kStatusInterval) {
      last_status_ = now;
      auto status = database_.read<OutboxStatus>([&](Session& session) -> Result<OutboxStatus> {
        return read_status(session, &options_.stream);
      });
      if (status) {
        backlog_.set(static_cast<double>(status->backlog));
        oldest_age_.set(status->oldest_age_seconds.value_or(0.0));
      }
    }
    if (!pruned_once_ || now - last_prune_ >= kPruneInterval) {
      pruned_once_ = true;
      last_prune_ = now;
      const std::string cutoff = core::format_rfc3339(
          core::now_utc() -
          std::chrono::duration_cast<std::chrono::microseconds>(options_.retention));
      auto pruned = database_.transaction<long long>([&](Session& session) -> Result<long long> {
        soci::statement statement =
            (session.sql().prepare << "DELETE FROM outbox WHERE stream = :stream AND "
                                      "published_at IS NOT NULL AND published_at < :cutoff",
             soci::use(options_.stream), soci::use(cutoff));
        statement.execute(true);
        return statement.get_affected_rows();
      });
      if (pruned && *pruned > 0)
        logger_.debug("pruned published outbox rows",
                      {{"stream", options_.stream}, {"rows", *pruned}});
      if (!pruned)
        logger_.debug("outbox prune failed",
                      {{"stream", options_.stream}, {"error", pruned.error().log_detail()}});
    }
  }

  db::Database& database_;
  RelayOptions options_;
  logging::Logger& logger_;
  metrics::Registry& registry_;
  metrics::Counter& failures_;
  metrics::Gauge& backlog_;
  metrics::Gauge& oldest_age_;
  std::chrono::milliseconds lease_duration_{};

  // Owned by the relay task (and by start() before the task runs).
  std::unique_ptr<RedisConnection> redis_;
  std::map<std::string, metrics::Counter*> published_by_type_;
  bool failing_ = false;
  Clock::time_point outage_started_;
  Clock::time_point last_status_;
  Clock::time_point last_prune_;
  bool pruned_once_ = false;
  std::chrono::milliseconds backoff_{};
  Clock::time_point lease_until_{};

  std::atomic<bool> broker_reachable_{false};
  std::mutex lifecycle_mutex_;
  // Last: its steps use everything above, and it stops before that goes.
  std::unique_ptr<core::BackgroundTask> task_;
};

OutboxRelay::OutboxRelay(db::Database& database, RelayOptions options, logging::Logger& logger,
                         metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(database, std::move(options), logger, registry)) {}

OutboxRelay::~OutboxRelay() {
  stop();
}

void OutboxRelay::start() {
  std::lock_guard lock(impl_->lifecycle_mutex_);
  if (impl_->task_->running()) return;
  // Connect once before the task runs, so that readiness right after start-up tells
  // the truth about the broker instead of "unreachable" until the first round. A
  // failure here is left to the task, which logs and retries it.
  if (!impl_->redis_) {
    if (auto connected = RedisConnection::connect(impl_->options_.redis)) {
      impl_->redis_ = std::move(*connected);
      impl_->broker_reachable_.store(true);
    }
  }
  impl_->task_->start();
}

void OutboxRelay::notify() {
  impl_->task_->wake();
}

void OutboxRelay::stop() {
  std::lock_guard lock(impl_->lifecycle_mutex_);
  if (!impl_->task_->running()) return;
  impl_->task_->stop();
  // The task is gone: its state is ours now.
  impl_->publish_remaining();
  impl_->release_lease();
}

bool OutboxRelay::broker_reachable() const {
  return impl_->broker_reachable_.load();
}

}  // namespace platform::events
