// The transactional outbox and its relay.
//
// Delivery is at least once. The relay XADDs a batch and then marks it published in the
// same database transaction; if the process dies (or the COMMIT fails) after the XADD,
// the rows are still unpublished and go out again after a restart. Consumers therefore
// dedupe by event id through their inbox (consumer.h); a duplicate on the stream is
// expected, a lost event is not.
//
// Order: one relay publishes at a time (PostgreSQL: a transaction-level advisory lock
// keyed by the stream; SQLite: BEGIN IMMEDIATE takes the write lock), each batch in seq
// order and the next batch only after the previous one committed, so the stream holds
// the events of one aggregate in the order their transactions committed.
#include "platform/events/outbox.h"

#include <soci/soci.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>

#include "platform/core/time.h"

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

// The advisory lock key of a stream's publisher: FNV-1a of a namespaced name, so that
// the relays of different streams (and other users of advisory locks) do not collide.
long long advisory_lock_key(const std::string& stream) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : "platform.events.outbox:" + stream) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return static_cast<long long>(hash);
}

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
        lock_key_(advisory_lock_key(options_.stream)),
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
  }

  // What one round did.
  struct Round {
    std::size_t published = 0;
    bool failed = false;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      notified_ = false;
      lock.unlock();
      const Round round = run_round();
      housekeeping();
      lock.lock();
      if (stopping_) break;
      if (round.failed) {
        // Commits keep notifying during an outage; they must not turn the backoff into a
        // busy retry, so only stop() cuts this wait short. Rows appended meanwhile wait.
        cv_.wait_for(lock, backoff_, [&] { return stopping_; });
        backoff_ = std::min(backoff_ * 2, std::max(options_.max_backoff, options_.sweep_interval));
        continue;
      }
      backoff_ = options_.sweep_interval;
      // A full batch means more may be waiting: drain the backlog without sleeping.
      if (round.published == options_.batch_size) continue;
      cv_.wait_for(lock, options_.sweep_interval, [&] { return stopping_ || notified_; });
    }
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

  Round publish_batch() {
    if (!redis_) {
      auto connected = RedisConnection::connect(options_.redis);
      if (!connected) {
        record_failure(connected.error(), true);
        return {0, true};
      }
      redis_ = std::move(*connected);
    }

    // On SQLite a round takes the database's only write lock; an idle relay looks first
    // (a read takes no lock) so that it does not block the service's writers once a second.
    if (database_.backend() == db::Backend::kSqlite) {
      auto waiting = database_.read<bool>([&](Session& session) -> Result<bool> {
        int found = 0;
        session.sql() << "SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE stream = :stream AND "
                         "published_at IS NULL LIMIT 1) AS waiting",
            soci::into(found), soci::use(options_.stream);
        return found > 0;
      });
      if (waiting && !*waiting) {
        // Nothing to publish; still tell readiness whether the broker answers.
        if (auto pong = redis_->ping(); !pong) {
          record_failure(pong.error(), true);
          return {0, true};
        }
        record_success({});
        return {0, false};
      }
    }

    std::optional<Error> broker_error;
    bool skipped = false;
    std::vector<Row> published;
    auto committed = database_.transaction<void>([&](Session& session) -> Result<void> {
      published.clear();
      if (session.backend() == db::Backend::kPostgresql) {
        int acquired = 0;
        session.sql() << "SELECT CASE WHEN pg_try_advisory_xact_lock(:key) THEN 1 ELSE 0 END",
            soci::into(acquired), soci::use(lock_key_);
        if (acquired == 0) {
          skipped = true;  // another replica is publishing this stream
          return core::ok();
        }
      }
      std::vector<Row> rows = select_unpublished(session, options_.stream, options_.batch_size);
      if (rows.empty()) return core::ok();
      std::vector<StreamFields> entries;
      entries.reserve(rows.size());
      for (const Row& row : rows)
        entries.push_back({{"event", row.envelope}, {"type", row.type}, {"id", row.event_id}});
      auto ids = redis_->xadd_many(options_.stream, entries);
      if (!ids) {
        broker_error = ids.error();
        return std::move(ids).error();  // rolls back: the rows stay unpublished
      }
      mark_published(session, rows);
      published = std::move(rows);
      return core::ok();
    });

    if (!committed) {
      record_failure(committed.error(), broker_error.has_value());
      return {0, true};
    }
    if (skipped) {
      // The publisher is elsewhere; still tell readiness whether the broker answers.
      if (auto pong = redis_->ping(); !pong) {
        record_failure(pong.error(), true);
        return {0, true};
      }
    }
    record_success(published);
    return {published.size(), false};
  }

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
  const long long lock_key_;
  metrics::Counter& failures_;
  metrics::Gauge& backlog_;
  metrics::Gauge& oldest_age_;

  // Owned by the relay thread.
  std::unique_ptr<RedisConnection> redis_;
  std::map<std::string, metrics::Counter*> published_by_type_;
  bool failing_ = false;
  Clock::time_point outage_started_;
  Clock::time_point last_status_;
  Clock::time_point last_prune_;
  bool pruned_once_ = false;
  std::chrono::milliseconds backoff_ = options_.sweep_interval;

  std::atomic<bool> broker_reachable_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool notified_ = false;
  std::thread thread_;
};

OutboxRelay::OutboxRelay(db::Database& database, RelayOptions options, logging::Logger& logger,
                         metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(database, std::move(options), logger, registry)) {}

OutboxRelay::~OutboxRelay() {
  stop();
}

void OutboxRelay::start() {
  std::lock_guard lock(impl_->mutex_);
  if (impl_->thread_.joinable()) return;
  impl_->stopping_ = false;
  // Connect once before the thread runs, so that readiness right after start-up tells
  // the truth about the broker instead of "unreachable" until the first round. A
  // failure here is left to the thread, which logs and retries it.
  if (!impl_->redis_) {
    if (auto connected = RedisConnection::connect(impl_->options_.redis)) {
      impl_->redis_ = std::move(*connected);
      impl_->broker_reachable_.store(true);
    }
  }
  impl_->thread_ = std::thread([impl = impl_.get()] { impl->run(); });
}

void OutboxRelay::notify() {
  {
    std::lock_guard lock(impl_->mutex_);
    impl_->notified_ = true;
  }
  impl_->cv_.notify_one();
}

void OutboxRelay::stop() {
  {
    std::lock_guard lock(impl_->mutex_);
    if (!impl_->thread_.joinable()) return;
    impl_->stopping_ = true;
  }
  impl_->cv_.notify_one();
  impl_->thread_.join();
}

bool OutboxRelay::broker_reachable() const {
  return impl_->broker_reachable_.load();
}

}  // namespace platform::events
