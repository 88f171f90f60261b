// The consumer loop: claim what dead consumers left pending, read new entries, handle
// each one in a database transaction together with its inbox row, acknowledge, and
// retry or dead-letter failures. One thread, one Redis connection (hiredis is blocking).
#include "platform/events/consumer.h"

#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "dead_letter_fields.h"
#include "platform/core/time.h"

namespace platform::events {
namespace {

using core::Error;
using core::ErrorCode;
using core::Result;
using SteadyClock = std::chrono::steady_clock;

// How often the lag and dead-letter gauges are refreshed: each refresh costs two Redis
// calls, so it is paced rather than done per scrape or per event.
constexpr std::chrono::seconds kStatsInterval{5};
// Claims run at about half the idle time, but never more often than this.
constexpr std::chrono::milliseconds kMinClaimInterval{20};
// The socket timeout must outlast BLOCK (DEPENDENCIES.md): a shorter one breaks the
// connection for good.
constexpr std::chrono::milliseconds kBlockMargin{1000};

// "00-<trace id>-<span id>-<flags>" -> the trace id, for log correlation.
std::string_view trace_id_of(std::string_view traceparent) {
  if (traceparent.size() < 35 || traceparent[2] != '-') return {};
  return traceparent.substr(3, 32);
}

std::string describe(const Error& error) {
  std::string text(core::to_string(error.code()));
  text += ": ";
  text += error.detail();
  if (!error.log_detail().empty() && error.log_detail() != error.detail()) {
    text += " (";
    text += error.log_detail();
    text += ")";
  }
  return text;
}

enum class Outcome { kHandled, kDuplicate, kFailed };

}  // namespace

struct Consumer::Impl {
  struct Registration {
    int max_version = 0;
    EventHandler handler;
  };

  Impl(db::Database& database, ConsumerOptions options, logging::Logger& logger,
       metrics::Registry& registry)
      : database_(database),
        options_(std::move(options)),
        logger_(logger),
        registry_(registry),
        lag_(registry.gauge("events_consumer_lag",
                            "Entries of the stream not yet delivered to the consumer group.",
                            {{"stream", options_.stream}, {"group", options_.group}})),
        dead_letters_(registry.gauge("events_dlq_size", "Entries in the dead-letter stream.",
                                     {{"stream", options_.stream}})) {
    options_.max_attempts = std::max(options_.max_attempts, 1);
    options_.block = std::max(options_.block, std::chrono::milliseconds(1));
    options_.batch_size = std::max<std::size_t>(options_.batch_size, 1);
    options_.redis.command_timeout =
        std::max(options_.redis.command_timeout, options_.block + kBlockMargin);
    claim_interval_ =
        std::max(std::chrono::duration_cast<std::chrono::milliseconds>(options_.claim_idle / 2),
                 kMinClaimInterval);
  }

  // --- lifecycle -------------------------------------------------------------------

  void start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  // Waits `delay` unless stop() comes first; false when stopping.
  bool sleep_unless_stopped(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stopping_; });
  }

  // --- the loop --------------------------------------------------------------------

  void run() {
    logger_.info(
        "event consumer started",
        {{"stream", options_.stream}, {"group", options_.group}, {"consumer", options_.consumer}});
    auto next_claim = SteadyClock::now();
    auto next_stats = SteadyClock::now();
    while (!stopping()) {
      if (!ready()) continue;

      const auto now = SteadyClock::now();
      if (now >= next_stats) {
        refresh_stats();
        next_stats = now + kStatsInterval;
      }
      if (now >= next_claim) {
        if (!claim_abandoned()) continue;
        next_claim = SteadyClock::now() + claim_interval_;
      }

      // Block no longer than the next claim is due, so claims keep their pace.
      auto until_claim =
          std::chrono::duration_cast<std::chrono::milliseconds>(next_claim - SteadyClock::now());
      const auto block = std::clamp(until_claim, std::chrono::milliseconds(1), options_.block);
      auto entries = redis_->xreadgroup(options_.stream, options_.group, options_.consumer,
                                        options_.batch_size, block, ">");
      if (!entries) {
        broker_failed(entries.error());
        continue;
      }
      broker_ok();
      const auto read_at = SteadyClock::now();
      for (const StreamEntry& entry : *entries) {
        // The rest stays pending, for a claim or this consumer's next start.
        if (stopping() || broker_down_) break;
        if (outlived(read_at)) {
          own_pending_checked_ = false;  // read the rest again, which keeps them ours
          break;
        }
        // A fresh delivery: this is its first.
        process(entry, entry.deliveries > 0 ? entry.deliveries : 1);
      }
    }
    logger_.info(
        "event consumer stopped",
        {{"stream", options_.stream}, {"group", options_.group}, {"consumer", options_.consumer}});
  }

  // Connects, creates the group and takes back this consumer's own pending entries (left
  // by an earlier run under the same name, or by an outage). False after a failure, having
  // waited a backoff.
  bool ready() {
    if (!redis_) {
      auto connected = RedisConnection::connect(options_.redis);
      if (!connected) {
        broker_failed(connected.error());
        return false;
      }
      redis_ = std::move(connected).value();
      group_ready_ = false;
    }
    if (!group_ready_) {
      if (auto created = redis_->ensure_group(options_.stream, options_.group, options_.from_start);
          !created) {
        broker_failed(created.error());
        return false;
      }
      group_ready_ = true;
      own_pending_checked_ = false;
      broker_ok();
    }
    if (!own_pending_checked_) {
      if (!drain_own_pending()) return false;
      own_pending_checked_ = true;
    }
    broker_ok();
    return true;
  }

  // Reading from "0" returns the entries delivered to this consumer name but never
  // acknowledged; each read moves past the ones seen.
  bool drain_own_pending() {
    std::string after = "0";
    while (!stopping()) {
      auto entries = redis_->xreadgroup(options_.stream, options_.group, options_.consumer,
                                        options_.batch_size, options_.block, after);
      if (!entries) {
        broker_failed(entries.error());
        return false;
      }
      broker_ok();
      if (entries->empty()) return true;
      const auto read_at = SteadyClock::now();
      for (const StreamEntry& entry : *entries) {
        if (stopping()) return true;
        if (broker_down_) return false;
        if (outlived(read_at)) break;  // the next read from `after` takes the rest again
        after = entry.id;
        process(entry, deliveries_of(entry));
      }
    }
    return true;
  }

  // XAUTOCLAIM moves entries idle longer than claim_idle (their consumer died, or stopped
  // in the middle of a batch) to this consumer. False after a broker failure.
  bool claim_abandoned() {
    // Bounded: entries that cannot be acknowledged stay claimable, and must not keep
    // this loop from reading new ones.
    for (int round = 0; round < 16 && !stopping(); ++round) {
      auto claimed = redis_->xautoclaim(options_.stream, options_.group, options_.consumer,
                                        options_.claim_idle, options_.batch_size);
      if (!claimed) {
        broker_failed(claimed.error());
        return false;
      }
      broker_ok();
      const auto read_at = SteadyClock::now();
      for (const StreamEntry& entry : *claimed) {
        if (stopping()) return true;
        if (broker_down_) return false;
        if (outlived(read_at)) return true;
        logger_.info("claimed an abandoned event entry",
                     {{"stream", options_.stream},
                      {"group", options_.group},
                      {"entry_id", entry.id},
                      {"deliveries", static_cast<std::int64_t>(entry.deliveries)}});
        process(entry, deliveries_of(entry));
      }
      if (claimed->size() < options_.batch_size) break;
    }
    return true;
  }

  // Whether a batch read at `read_at` has been in hand so long that its unprocessed
  // entries look abandoned: past half the claim idle time another consumer may claim
  // them while we still hold them, and both would handle (and maybe dead-letter) them.
  // Reading them again resets their idle time (at the price of one more delivery).
  bool outlived(SteadyClock::time_point read_at) const {
    return SteadyClock::now() - read_at > options_.claim_idle / 2;
  }

  std::uint64_t deliveries_of(const StreamEntry& entry) {
    if (entry.deliveries > 0) return entry.deliveries;
    auto counted = redis_->deliveries(options_.stream, options_.group, entry.id);
    // Unknown: count this one only; the attempt limit still holds within this process.
    return counted && *counted > 0 ? *counted : 1;
  }

  void refresh_stats() {
    if (auto lag = redis_->group_lag(options_.stream, options_.group); lag && *lag)
      lag_.set(static_cast<double>(**lag));
    if (auto size = redis_->xlen(dead_letter_stream(options_.stream)); size)
      dead_letters_.set(static_cast<double>(*size));
  }

  // --- one entry -------------------------------------------------------------------

  void process(const StreamEntry& entry, std::uint64_t deliveries) {
    // XREADGROUP from "0" returns entries deleted from the stream with no fields:
    // nothing to handle, only the pending record to clear.
    if (entry.fields.empty()) {
      acknowledge(entry.id);
      return;
    }
    const std::optional<std::string> json = entry.field("event");
    if (!json) {
      dead_letter(entry, std::nullopt, "", "the stream entry has no \"event\" field", 1);
      return;
    }
    Result<Event> parsed = parse_event(*json);
    if (!parsed) {
      std::string error = "malformed event envelope: " + describe(parsed.error());
      for (const auto& field : parsed.error().field_errors())
        error += "; " + field.field + ": " + field.message;
      dead_letter(entry, std::nullopt, *json, error, 1);
      return;
    }
    const Event& event = *parsed;

    const std::optional<TypeName> type = parse_type(event.type);
    std::optional<Registration> registration;
    if (type) registration = find(type->name);
    if (!registration || type->version < 1 || type->version > registration->max_version) {
      const std::string reason =
          registration && type->version >= 1 ? "newer_version" : "unknown_type";
      skip(entry, event, reason);
      return;
    }

    handle(entry, event, *registration, deliveries, *json);
  }

  std::optional<Registration> find(const std::string& name) {
    std::lock_guard lock(handlers_mutex_);
    auto it = handlers_.find(name);
    if (it == handlers_.end()) return std::nullopt;
    return it->second;
  }

  void skip(const StreamEntry& entry, const Event& event, const std::string& reason) {
    registry_
        .counter("events_skipped_total", "Events acknowledged without handling.",
                 {{"type", event.type}, {"reason", reason}})
        .inc();
    logger_.info(context(event), "event skipped",
                 {{"event_id", event.id},
                  {"event_type", event.type},
                  {"reason", reason},
                  {"stream", options_.stream},
                  {"group", options_.group}});
    acknowledge(entry.id);
  }

  // Runs the handler up to the attempts left, with backoff between them. Deliveries to
  // earlier consumers count as one attempt each: that is all we know of them, and it
  // keeps an event that crashes its consumer from circulating for ever.
  void handle(const StreamEntry& entry, const Event& event, const Registration& registration,
              std::uint64_t deliveries, const std::string& json) {
    const int earlier = static_cast<int>(std::min<std::uint64_t>(deliveries - 1, 1 << 20));
    if (earlier >= options_.max_attempts) {
      dead_letter(entry, event, json,
                  "delivered " + std::to_string(deliveries) +
                      " times without being handled: earlier consumers stopped or crashed "
                      "while handling it",
                  earlier);
      return;
    }
    const logging::Context log_context = context(event);
    int transient_failures = 0;
    for (int attempt = earlier + 1;; ++attempt) {
      Error failure = Error::internal("");
      switch (attempt_once(event, registration.handler, failure)) {
        case Outcome::kHandled:
          // Committed: from here a failed XACK only means a redelivery the inbox absorbs.
          acknowledge(entry.id);
          registry_.counter("events_consumed_total", "Events handled.", {{"type", event.type}})
              .inc();
          logger_.debug(log_context, "event handled",
                        {{"event_id", event.id}, {"event_type", event.type}, {"attempt", attempt}});
          return;
        case Outcome::kDuplicate:
          acknowledge(entry.id);
          registry_
              .counter("events_duplicates_total",
                       "Redelivered events the inbox recognised as handled already.",
                       {{"type", event.type}})
              .inc();
          logger_.info(log_context, "duplicate event ignored",
                       {{"event_id", event.id}, {"event_type", event.type}});
          return;
        case Outcome::kFailed:
          break;
      }
      const std::string error = describe(failure);
      // A dependency that is down (the database, a peer) says nothing about the event:
      // waiting costs no attempt, so an outage cannot push good events into the DLQ.
      const bool transient = failure.code() == core::ErrorCode::kUnavailable ||
                             failure.code() == core::ErrorCode::kDeadlineExceeded;
      if (transient) {
        ++transient_failures;
        --attempt;
      } else if (attempt >= options_.max_attempts) {
        dead_letter(entry, event, json, error, attempt);
        return;
      }
      registry_
          .counter("events_retried_total", "Failed handler attempts retried.",
                   {{"type", event.type}})
          .inc();
      const auto delay = backoff(attempt + transient_failures);
      logger_.warn(log_context, "event handler failed, retrying",
                   {{"event_id", event.id},
                    {"event_type", event.type},
                    {"attempt", attempt},
                    {"max_attempts", options_.max_attempts},
                    {"counts_as_attempt", !transient},
                    {"retry_in_ms", static_cast<std::int64_t>(delay.count())},
                    {"error", error}});
      // Stopping: the entry stays pending, and a claim later gives it its next attempt.
      if (!sleep_unless_stopped(delay)) return;
    }
  }

  std::chrono::milliseconds backoff(int attempt) const {
    auto delay = options_.initial_backoff;
    for (int i = 1; i < attempt && delay < options_.max_backoff; ++i) delay *= 2;
    return std::min(delay, options_.max_backoff);
  }

  // One transaction: the inbox row first, so that a concurrent copy of the same event
  // waits on it (PostgreSQL row lock, SQLite write lock) and then finds it, rather than
  // running the handler twice; then the handler's effect. Either both commit or neither.
  Outcome attempt_once(const Event& event, const EventHandler& handler, Error& failure) {
    bool duplicate = false;
    Result<void> done = database_.transaction<void>([&](db::Session& session) -> Result<void> {
      const std::string handled_at = core::format_rfc3339(core::now_utc());
      soci::statement insert =
          (session.sql().prepare << "INSERT INTO inbox (consumer_group, event_id, handled_at) "
                                    "VALUES (:group, :event_id, :handled_at) "
                                    "ON CONFLICT (consumer_group, event_id) DO NOTHING",
           soci::use(options_.group), soci::use(event.id), soci::use(handled_at));
      insert.execute(true);
      if (insert.get_affected_rows() == 0) {
        duplicate = true;
        return core::ok();
      }
      try {
        return handler(event, session);
      } catch (const std::exception& thrown) {
        return Error::internal(std::string("the handler threw: ") + thrown.what());
      } catch (...) {
        return Error::internal("the handler threw a non-standard exception");
      }
    });
    if (!done) {
      failure = std::move(done).error();
      return Outcome::kFailed;
    }
    return duplicate ? Outcome::kDuplicate : Outcome::kHandled;
  }

  // Copies the entry to "<stream>.dlq" with why it failed, then acknowledges the original.
  // If the copy fails the original stays pending: it is claimed and tried again later.
  void dead_letter(const StreamEntry& entry, const std::optional<Event>& event,
                   const std::string& json, const std::string& error, int attempts) {
    const std::string type = event ? event->type : "";
    namespace f = dead_letter_fields;
    StreamFields fields{{f::kEvent, json},
                        {f::kError, error},
                        {f::kAttempts, std::to_string(attempts)},
                        {f::kGroup, options_.group},
                        {f::kFailedAt, core::format_rfc3339(core::now_utc())},
                        {f::kOriginalId, entry.id}};
    if (event) {
      fields.emplace_back(f::kType, event->type);
      fields.emplace_back(f::kEventId, event->id);
    }
    const std::string dlq = dead_letter_stream(options_.stream);
    if (auto added = redis_->xadd(dlq, fields); !added) {
      logger_.error(event ? context(*event) : logging::Context{},
                    "cannot dead-letter an event; it stays pending",
                    {{"entry_id", entry.id}, {"error", describe(added.error())}});
      broker_failed(added.error());
      return;
    }
    acknowledge(entry.id);
    registry_
        .counter("events_dead_lettered_total", "Events moved to the dead-letter stream.",
                 {{"type", event ? type : std::string("unparsable")}})
        .inc();
    logger_.error(event ? context(*event) : logging::Context{}, "event dead-lettered",
                  {{"event_id", event ? event->id : std::string()},
                   {"event_type", type},
                   {"entry_id", entry.id},
                   {"stream", options_.stream},
                   {"group", options_.group},
                   {"dead_letter_stream", dlq},
                   {"attempts", attempts},
                   {"error", error}});
  }

  void acknowledge(const std::string& id) {
    if (auto acked = redis_->xack(options_.stream, options_.group, id); !acked) {
      // Not fatal: the entry is claimed again later and the inbox recognises it.
      logger_.warn("cannot acknowledge an event entry",
                   {{"entry_id", id}, {"error", describe(acked.error())}});
      broker_failed(acked.error());
    }
  }

  static logging::Context context(const Event& event) {
    return {.request_id = event.correlation_id, .trace_id = trace_id_of(event.traceparent)};
  }

  // --- broker health ---------------------------------------------------------------

  // Logs once per outage and waits a growing backoff, so that a dead broker costs
  // neither a busy loop nor a log line per try. Any failure may mean a restarted Redis
  // that lost the group, so the group is ensured again.
  void broker_failed(const Error& error) {
    group_ready_ = false;
    if (!broker_down_) {
      broker_down_ = true;
      reconnect_delay_ = options_.initial_backoff;
      logger_.warn(
          "event broker unavailable; consumer retrying",
          {{"stream", options_.stream}, {"group", options_.group}, {"error", describe(error)}});
    }
    sleep_unless_stopped(reconnect_delay_);
    reconnect_delay_ = std::min(reconnect_delay_ * 2, options_.max_backoff);
  }

  void broker_ok() {
    if (!broker_down_) return;
    broker_down_ = false;
    logger_.info("event broker reachable again",
                 {{"stream", options_.stream}, {"group", options_.group}});
  }

  db::Database& database_;
  ConsumerOptions options_;
  logging::Logger& logger_;
  metrics::Registry& registry_;
  metrics::Gauge& lag_;
  metrics::Gauge& dead_letters_;
  std::chrono::milliseconds claim_interval_{};

  std::mutex handlers_mutex_;
  std::map<std::string, Registration> handlers_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;

  // Owned by the consumer thread.
  std::unique_ptr<RedisConnection> redis_;
  bool group_ready_ = false;
  bool own_pending_checked_ = false;
  bool broker_down_ = false;
  std::chrono::milliseconds reconnect_delay_{};
};

Consumer::Consumer(db::Database& database, ConsumerOptions options, logging::Logger& logger,
                   metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(database, std::move(options), logger, registry)) {}

Consumer::~Consumer() {
  stop();
}

void Consumer::on(std::string type_name, int max_version, EventHandler handler) {
  std::lock_guard lock(impl_->handlers_mutex_);
  impl_->handlers_[std::move(type_name)] = {max_version, std::move(handler)};
}

void Consumer::start() {
  impl_->start();
}

void Consumer::stop() {
  impl_->stop();
}

}  // namespace platform::events
