// The consumer: one background task reads a batch (this consumer's own pending entries
// first, then abandoned ones it claims, then new ones), handles each entry in a database
// transaction together with its inbox row, acknowledges, and retries, pauses or
// dead-letters failures; a second task, the keeper, keeps the entries in hand ours while
// that takes time. Each task owns its Redis connection (hiredis is blocking and not
// thread-safe). The rules are in consumer.h.
#include "platform/events/consumer.h"

#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "dead_letter_fields.h"
#include "platform/core/background_task.h"
#include "platform/core/time.h"
#include "platform/tracing/tracer.h"

namespace platform::events {
namespace {

using core::Error;
using core::ErrorCode;
using core::Result;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// How often the lag and dead-letter gauges are refreshed: each refresh costs two Redis
// calls, so it is paced rather than done per scrape or per event.
constexpr std::chrono::seconds kStatsInterval{5};
// Claims run at about half the idle time, but never more often than this.
constexpr milliseconds kMinClaimInterval{20};
// The keeper runs at a third of the idle time (two chances to keep an entry before it
// looks abandoned), but never more often than this.
constexpr milliseconds kMinKeepInterval{10};
// Full claim batches in a row before new entries get their turn.
constexpr int kMaxClaimRounds = 16;
// The socket timeout must outlast BLOCK (DEPENDENCIES.md): a shorter one breaks the
// connection for good.
constexpr milliseconds kBlockMargin{1000};

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
  for (const auto& field : error.field_errors()) text += "; " + field.field + ": " + field.message;
  return text;
}

// A dependency that is down (the database, a peer) says nothing about the event.
bool is_transient(const Error& error) {
  return error.code() == ErrorCode::kUnavailable || error.code() == ErrorCode::kDeadlineExceeded;
}

// Values of the `type` label for events that name no type of ours: what arrives on the
// wire must not create metric series (a flood of made-up types would be a flood of series).
constexpr std::string_view kUnknownType = "unknown";
constexpr std::string_view kUnparsable = "unparsable";

// Where an entry came from; anything but a fresh read is a redelivery.
enum class Source { kNew, kOwnPending, kClaimed };

// An entry read and not yet done with, and what the consumer knows of its attempts. It
// stays in hand (and pending in Redis) through backoffs and a pause.
struct InHand {
  StreamEntry entry;
  Source source = Source::kNew;
  int attempts = 0;              // as counted in event_attempts, as far as this run knows
  bool start_recorded = false;   // the redelivery's "attempt started" is written
  bool current_counted = false;  // the next run is counted already (by that record)
  int transient_failures = 0;    // since the last resume
};

enum class Disposition { kDone, kPaused, kStopped };
enum class Outcome { kHandled, kDuplicate, kFailed };

// What the attempt counter said before a redelivery's first run.
struct AttemptsBefore {
  int attempts = 0;
  std::string last_error;
};

}  // namespace

std::string_view to_string(ConsumerStatus::State state) {
  switch (state) {
    case ConsumerStatus::State::kStopped:
      return "stopped";
    case ConsumerStatus::State::kRunning:
      return "running";
    case ConsumerStatus::State::kPaused:
      return "paused";
  }
  return "unknown";
}

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
                                     {{"stream", options_.stream}})),
        paused_gauge_(registry.gauge("events_consumer_paused",
                                     "1 while the subscription is paused because a dependency "
                                     "of its handlers is down, else 0.",
                                     {{"stream", options_.stream}, {"group", options_.group}})) {
    options_.max_attempts = std::max(options_.max_attempts, 1);
    options_.max_transient_retries = std::max(options_.max_transient_retries, 0);
    options_.block = std::max(options_.block, milliseconds(1));
    options_.pause_duration = std::max(options_.pause_duration, milliseconds(1));
    options_.batch_size = std::max<std::size_t>(options_.batch_size, 1);
    options_.redis.command_timeout =
        std::max(options_.redis.command_timeout, options_.block + kBlockMargin);
    claim_interval_ = std::max(std::chrono::duration_cast<milliseconds>(options_.claim_idle / 2),
                               kMinClaimInterval);
    keep_interval_ = std::max(std::chrono::duration_cast<milliseconds>(options_.claim_idle / 3),
                              kMinKeepInterval);
    status_.since = core::now_utc();
    core::BackgroundTask::Options task_options;
    task_options.on_exception = [this](std::string_view task, std::string_view what) {
      logger_.error("event consumer step failed",
                    {{"task", task}, {"stream", options_.stream}, {"error", what}});
    };
    task_ = std::make_unique<core::BackgroundTask>(
        "events-consumer " + options_.stream,
        [this](core::BackgroundTask& task) { return step(task); }, task_options);
    keeper_ = std::make_unique<core::BackgroundTask>(
        "events-keeper " + options_.stream,
        [this](core::BackgroundTask&) { return keep_in_hand(); }, task_options);
  }

  ~Impl() { stop(); }

  // --- lifecycle -------------------------------------------------------------------

  void start() {
    std::lock_guard lock(lifecycle_mutex_);
    if (task_->running()) return;
    // A fresh run takes back what is still pending under this consumer's name first.
    batch_.clear();
    publish_in_hand();
    group_ready_ = false;
    paused_ = false;
    paused_gauge_.set(0);
    set_state(ConsumerStatus::State::kRunning);
    logger_.info(
        "event consumer started",
        {{"stream", options_.stream}, {"group", options_.group}, {"consumer", options_.consumer}});
    keeper_->start();
    task_->start();
  }

  void stop() {
    std::lock_guard lock(lifecycle_mutex_);
    if (!task_->running() && !keeper_->running()) return;
    task_->stop();  // finishes the event in hand; the rest stays pending
    keeper_->stop();
    paused_gauge_.set(0);
    set_state(ConsumerStatus::State::kStopped);
    logger_.info(
        "event consumer stopped",
        {{"stream", options_.stream}, {"group", options_.group}, {"consumer", options_.consumer}});
  }

  ConsumerStatus status() const {
    std::lock_guard lock(status_mutex_);
    ConsumerStatus copy = status_;
    copy.broker_reachable = broker_reachable_.load();
    return copy;
  }

  void set_state(ConsumerStatus::State state, std::string reason = {}) {
    std::lock_guard lock(status_mutex_);
    status_.state = state;
    status_.reason = std::move(reason);
    status_.since = core::now_utc();
  }

  // --- the loop --------------------------------------------------------------------

  core::Pause step(core::BackgroundTask& task) {
    if (paused_) {
      const auto now = SteadyClock::now();
      if (now < resume_at_)
        return core::Pause::ignoring_wake(std::chrono::ceil<milliseconds>(resume_at_ - now));
      resume();
    }
    if (batch_.empty()) {
      if (!ready()) return broker_backoff();
      if (SteadyClock::now() >= next_stats_) {
        refresh_stats();
        next_stats_ = SteadyClock::now() + kStatsInterval;
      }
      if (!fill_batch()) return broker_backoff();
      if (batch_.empty()) return milliseconds(0);  // nothing came within the block time
    }
    if (process_batch(task) == Disposition::kPaused)
      return core::Pause::ignoring_wake(options_.pause_duration);
    if (broker_down_) return broker_backoff();
    return milliseconds(0);
  }

  // Connects and creates the group. False after a failure.
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
      // After a start or an outage: take back what is pending under our name first.
      own_pending_checked_ = false;
      own_pending_after_ = "0";
    }
    broker_ok();
    return true;
  }

  // Reads the next batch: this consumer's own pending entries (left by an earlier run
  // under the same name, or by an outage), else entries abandoned by others when a claim
  // is due, else new ones. False after a broker failure.
  bool fill_batch() {
    if (!own_pending_checked_) {
      // Reading from an id returns this consumer's pending entries after it, at once.
      auto entries = redis_->xreadgroup(options_.stream, options_.group, options_.consumer,
                                        options_.batch_size, milliseconds(0), own_pending_after_);
      if (!entries) {
        broker_failed(entries.error());
        return false;
      }
      if (!entries->empty()) {
        take(std::move(*entries), Source::kOwnPending);
        return true;
      }
      own_pending_checked_ = true;
    }

    const auto now = SteadyClock::now();
    if (now >= next_claim_) {
      auto claimed = redis_->xautoclaim(options_.stream, options_.group, options_.consumer,
                                        options_.claim_idle, options_.batch_size);
      if (!claimed) {
        broker_failed(claimed.error());
        return false;
      }
      // A full batch may mean more are waiting: claim again next time, a bounded number
      // of rounds, so that new entries are not starved.
      if (claimed->size() < options_.batch_size || ++claim_rounds_ >= kMaxClaimRounds) {
        next_claim_ = now + claim_interval_;
        claim_rounds_ = 0;
      }
      if (!claimed->empty()) {
        for (const StreamEntry& entry : *claimed)
          logger_.info("claimed an abandoned event entry",
                       {{"stream", options_.stream},
                        {"group", options_.group},
                        {"entry_id", entry.id},
                        {"deliveries", static_cast<std::int64_t>(entry.deliveries)}});
        take(std::move(*claimed), Source::kClaimed);
        return true;
      }
    }

    // Block no longer than the next claim is due, so claims keep their pace.
    const auto until_claim =
        std::chrono::duration_cast<milliseconds>(next_claim_ - SteadyClock::now());
    const auto block = std::clamp(until_claim, milliseconds(1), options_.block);
    auto entries = redis_->xreadgroup(options_.stream, options_.group, options_.consumer,
                                      options_.batch_size, block, ">");
    if (!entries) {
      broker_failed(entries.error());
      return false;
    }
    take(std::move(*entries), Source::kNew);
    return true;
  }

  void take(std::vector<StreamEntry> entries, Source source) {
    for (StreamEntry& entry : entries)
      batch_.push_back({.entry = std::move(entry), .source = source});
    publish_in_hand();
  }

  // Handles the batch front to back. On a pause or a stop the front entry and the rest
  // stay in hand; after a broker failure they are dropped here and come back as own
  // pending entries once the broker answers.
  Disposition process_batch(core::BackgroundTask& task) {
    while (!batch_.empty()) {
      if (task.stopping()) return Disposition::kStopped;
      InHand& current = batch_.front();
      const Disposition done = process(current, task);
      if (done != Disposition::kDone) return done;
      if (current.source == Source::kOwnPending) own_pending_after_ = current.entry.id;
      batch_.pop_front();
      if (broker_down_) batch_.clear();
      publish_in_hand();
    }
    return Disposition::kDone;
  }

  // --- keeping the entries in hand -------------------------------------------------

  void publish_in_hand() {
    std::vector<std::string> ids;
    ids.reserve(batch_.size());
    for (const InHand& in_hand : batch_) ids.push_back(in_hand.entry.id);
    std::lock_guard lock(in_hand_mutex_);
    in_hand_ids_ = std::move(ids);
  }

  // The keeper's step: resets the idle time of the entries in hand, so that no other
  // consumer's XAUTOCLAIM takes them while a slow handler, a backoff or a pause holds
  // them. Failures only cost that protection for a round; the consumer notices a broker
  // outage itself.
  core::Pause keep_in_hand() {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(in_hand_mutex_);
      ids = in_hand_ids_;
    }
    if (ids.empty()) return keep_interval_;
    if (!keeper_redis_) {
      auto connected = RedisConnection::connect(options_.redis);
      if (!connected) return keep_interval_;
      keeper_redis_ = std::move(connected).value();
    }
    if (auto kept = keeper_redis_->xclaim_ids(options_.stream, options_.group, options_.consumer,
                                              milliseconds(0), ids);
        !kept) {
      logger_.debug("cannot keep the event entries in hand",
                    {{"stream", options_.stream}, {"error", describe(kept.error())}});
    }
    return keep_interval_;
  }

  void refresh_stats() {
    if (auto lag = redis_->group_lag(options_.stream, options_.group); lag && *lag)
      lag_.set(static_cast<double>(**lag));
    if (auto size = redis_->xlen(dead_letter_stream(options_.stream)); size)
      dead_letters_.set(static_cast<double>(*size));
  }

  // --- one entry -------------------------------------------------------------------

  Disposition process(InHand& current, core::BackgroundTask& task) {
    const StreamEntry& entry = current.entry;
    // XREADGROUP from "0" returns entries deleted from the stream with no fields:
    // nothing to handle, only the pending record to clear.
    if (entry.fields.empty()) {
      acknowledge(entry.id);
      return Disposition::kDone;
    }
    const std::optional<std::string> json = entry.field("event");
    if (!json) {
      dead_letter(entry, std::nullopt, std::string(kUnparsable), "",
                  "the stream entry has no \"event\" field", 1, {});
      return Disposition::kDone;
    }
    Result<Event> parsed = parse_event(*json);
    if (!parsed) {
      dead_letter(entry, std::nullopt, std::string(kUnparsable), *json,
                  "malformed event envelope: " + describe(parsed.error()), 1, {});
      return Disposition::kDone;
    }
    const Event& event = *parsed;

    const std::optional<TypeName> type = parse_type(event.type);
    std::optional<Registration> registration;
    if (type) registration = find(type->name);
    if (!registration || type->version < 1) {
      skip(entry, event, std::string(kUnknownType), "unknown_type");
      return Disposition::kDone;
    }
    if (type->version > registration->max_version) {
      // Labelled by the registered name alone: the version comes from the wire.
      skip(entry, event, type->name, "newer_version");
      return Disposition::kDone;
    }
    // A registered name and a version it handles (parse_type accepts only canonical
    // versions: no "v01"), so the wire type is one of a bounded set here.
    return handle(current, event, event.type, *registration, *json, task);
  }

  std::optional<Registration> find(const std::string& name) {
    std::lock_guard lock(handlers_mutex_);
    auto it = handlers_.find(name);
    if (it == handlers_.end()) return std::nullopt;
    return it->second;
  }

  void skip(const StreamEntry& entry, const Event& event, const std::string& label,
            const std::string& reason) {
    registry_
        .counter("events_skipped_total", "Events acknowledged without handling.",
                 {{"type", label}, {"reason", reason}})
        .inc();
    logger_.info(context(event), "event skipped",
                 {{"event_id", event.id},
                  {"event_type", event.type},
                  {"reason", reason},
                  {"stream", options_.stream},
                  {"group", options_.group}});
    acknowledge(entry.id);
  }

  // Runs the handler until it succeeds, the event is dead-lettered, the subscription
  // pauses or the consumer stops; attempts are counted as consumer.h describes.
  // `label`: the event's type as a metric label, one of the registered ones.
  Disposition handle(InHand& current, const Event& event, const std::string& label,
                     const Registration& registration, const std::string& json,
                     core::BackgroundTask& task) {
    const StreamEntry& entry = current.entry;
    const bool redelivery = current.source != Source::kNew || entry.deliveries > 1;
    logging::Context log_context = context(event);
    std::string attempt_span_id;  // the latest attempt's consumer span: its lines name it
    for (;;) {
      log_context.span_id = {};  // an attempt that never ran (below) has no span
      std::optional<Error> failure;
      bool transient = false;
      if (redelivery && !current.start_recorded) {
        Result<AttemptsBefore> before = record_attempt_started(event.id);
        if (!before) {
          // Our own bookkeeping failed (the database is down): like a dependency outage,
          // it says nothing about the event.
          failure = std::move(before).error();
          transient = true;
        } else if (before->attempts >= options_.max_attempts) {
          std::string error = "gave up after " + std::to_string(before->attempts) +
                              " attempts; the last ones did not finish (the consumer stopped "
                              "or crashed while handling it)";
          if (!before->last_error.empty()) error += "; last recorded error: " + before->last_error;
          dead_letter(entry, event, label, json, error, before->attempts, log_context);
          return Disposition::kDone;
        } else {
          current.start_recorded = true;
          current.current_counted = true;
          current.attempts = before->attempts + 1;
        }
      }
      if (!failure) {
        Error handler_failure = Error::internal("");
        const bool forget = current.attempts > 0 || current.start_recorded;
        ConsumerSpan span = begin_span(event, current.attempts + (current.current_counted ? 0 : 1));
        if (span.span) {
          attempt_span_id = span.span->span_id;
          log_context.span_id = attempt_span_id;
        }
        const Outcome outcome = attempt_once(event, registration.handler, forget, handler_failure);
        end_span(span, outcome, handler_failure);
        switch (outcome) {
          case Outcome::kHandled:
            // Committed: from here a failed XACK only means a redelivery the inbox absorbs.
            acknowledge(entry.id);
            registry_.counter("events_consumed_total", "Events handled.", {{"type", label}}).inc();
            logger_.debug(log_context, "event handled",
                          {{"event_id", event.id},
                           {"event_type", event.type},
                           {"attempt", current.attempts + (current.current_counted ? 0 : 1)}});
            return Disposition::kDone;
          case Outcome::kDuplicate:
            acknowledge(entry.id);
            registry_
                .counter("events_duplicates_total",
                         "Redelivered events the inbox recognised as handled already.",
                         {{"type", label}})
                .inc();
            logger_.info(log_context, "duplicate event ignored",
                         {{"event_id", event.id}, {"event_type", event.type}});
            return Disposition::kDone;
          case Outcome::kFailed:
            transient = is_transient(handler_failure);
            failure = std::move(handler_failure);
            break;
        }
      }

      const std::string error = describe(*failure);
      milliseconds delay{0};
      if (transient) {
        // Costs no attempt; a dependency that stays down pauses the subscription.
        if (++current.transient_failures > options_.max_transient_retries) {
          pause(log_context, event, error);
          return Disposition::kPaused;
        }
        delay = backoff(current.transient_failures);
      } else {
        current.attempts = record_failure(event.id, error, current);
        current.current_counted = false;
        if (current.attempts >= options_.max_attempts) {
          dead_letter(entry, event, label, json, error, current.attempts, log_context);
          return Disposition::kDone;
        }
        delay = backoff(current.attempts);
      }
      registry_
          .counter("events_retried_total", "Failed handler attempts retried.", {{"type", label}})
          .inc();
      logger_.warn(log_context, "event handler failed, retrying",
                   {{"event_id", event.id},
                    {"event_type", event.type},
                    {"attempts", current.attempts},
                    {"max_attempts", options_.max_attempts},
                    {"counts_as_attempt", !transient},
                    {"retry_in_ms", static_cast<std::int64_t>(delay.count())},
                    {"error", error}});
      // Stopping: the entry stays pending, for this consumer's next start or a claim.
      if (!task.sleep(delay)) return Disposition::kStopped;
    }
  }

  // ---- the consumer span ----------------------------------------------------------------
  struct ConsumerSpan {
    std::optional<tracing::Span> span;
    bool sampled = false;
  };

  ConsumerSpan begin_span(const Event& event, int attempt) const {
    if (options_.tracer == nullptr) return {};
    auto producer = tracing::parse_traceparent(event.traceparent);
    if (!producer) return {};
    ConsumerSpan out{.span = tracing::Span{.trace_id = producer->trace_id,
                                           .span_id = tracing::new_span_id(),
                                           .parent_span_id = producer->span_id,
                                           .name = event.type + " process",
                                           .kind = tracing::SpanKind::kConsumer,
                                           .start_unix_nano = tracing::now_unix_nanos()},
                     .sampled = producer->sampled};
    out.span->links.push_back({producer->trace_id, producer->span_id});
    out.span->attributes = {{"messaging.system", std::string("redis")},
                            {"messaging.operation.type", std::string("process")},
                            {"messaging.destination.name", options_.stream},
                            {"messaging.consumer.group.name", options_.group},
                            {"messaging.message.id", event.id},
                            {"attempt", std::int64_t{attempt}}};
    return out;
  }

  void end_span(ConsumerSpan& consumed, Outcome outcome, const Error& failure) const {
    if (!consumed.span) return;
    tracing::Span& span = *consumed.span;
    span.end_unix_nano = tracing::now_unix_nanos();
    if (outcome == Outcome::kDuplicate) span.attributes.push_back({"duplicate", true});
    if (outcome == Outcome::kFailed) {
      span.status = tracing::StatusCode::kError;
      span.status_message = describe(failure);
    }
    options_.tracer->finish(std::move(span), consumed.sampled);
    consumed.span.reset();
  }

  milliseconds backoff(int failures) const {
    auto delay = options_.initial_backoff;
    for (int i = 1; i < failures && delay < options_.max_backoff; ++i) delay *= 2;
    return std::min(delay, options_.max_backoff);
  }

  void pause(const logging::Context& log_context, const Event& event, const std::string& reason) {
    paused_ = true;
    paused_at_ = SteadyClock::now();
    resume_at_ = paused_at_ + options_.pause_duration;
    set_state(ConsumerStatus::State::kPaused, reason);
    paused_gauge_.set(1);
    logger_.warn(log_context, "subscription paused",
                 {{"stream", options_.stream},
                  {"group", options_.group},
                  {"event_id", event.id},
                  {"event_type", event.type},
                  {"reason", reason},
                  {"resume_in_ms", static_cast<std::int64_t>(options_.pause_duration.count())}});
  }

  void resume() {
    paused_ = false;
    if (!batch_.empty()) batch_.front().transient_failures = 0;
    set_state(ConsumerStatus::State::kRunning);
    paused_gauge_.set(0);
    logger_.info(
        "subscription resumed",
        {{"stream", options_.stream},
         {"group", options_.group},
         {"paused_ms",
          static_cast<std::int64_t>(
              std::chrono::duration_cast<milliseconds>(SteadyClock::now() - paused_at_).count())}});
  }

  // One transaction: the inbox row first, so that a concurrent copy of the same event
  // waits on it (PostgreSQL row lock, SQLite write lock) and then finds it, rather than
  // running the handler twice; then the handler's effect, and the attempt count goes
  // with it (`forget`: only when one may exist). Either all commit or nothing.
  Outcome attempt_once(const Event& event, const EventHandler& handler, bool forget,
                       Error& failure) {
    bool duplicate = false;
    Result<void> done = database_.transaction<void>([&](db::Session& session) -> Result<void> {
      const std::string handled_at = core::format_rfc3339(core::now_utc());
      soci::statement insert =
          (session.sql().prepare << "INSERT INTO inbox (consumer_group, event_id, handled_at) "
                                    "VALUES (:group, :event_id, :handled_at) "
                                    "ON CONFLICT (consumer_group, event_id) DO NOTHING",
           soci::use(options_.group), soci::use(event.id), soci::use(handled_at));
      insert.execute(true);
      Result<void> handled = core::ok();
      if (insert.get_affected_rows() == 0) {
        duplicate = true;
      } else {
        try {
          handled = handler(event, session);
        } catch (...) {
          // Classified like the database's own errors, so that a handler whose query
          // lost the connection waits for the database instead of using up attempts.
          const Error thrown = db::classify_current_exception(session.backend());
          return Error(thrown.code(), thrown.detail(), "the handler threw: " + thrown.log_detail());
        }
      }
      if (handled && forget) delete_attempts(session, event.id);
      return handled;
    });
    if (!done) {
      failure = std::move(done).error();
      return Outcome::kFailed;
    }
    return duplicate ? Outcome::kDuplicate : Outcome::kHandled;
  }

  // --- the attempt counter ---------------------------------------------------------

  // A redelivery's "attempt started", in a short transaction before its first run;
  // returns the count before it. Nothing is added when the count has run out already
  // (the event is about to be dead-lettered).
  Result<AttemptsBefore> record_attempt_started(const std::string& event_id) {
    return database_.transaction<AttemptsBefore>([&](db::Session& session)
                                                     -> Result<AttemptsBefore> {
      AttemptsBefore before;
      soci::indicator error_indicator = soci::i_null;
      soci::statement select =
          (session.sql().prepare << "SELECT attempts, last_error FROM event_attempts "
                                    "WHERE consumer_group = :group AND event_id = :event_id",
           soci::into(before.attempts), soci::into(before.last_error, error_indicator),
           soci::use(options_.group), soci::use(event_id));
      if (!select.execute(true)) before = {};
      if (before.attempts >= options_.max_attempts) return before;
      const std::string now = core::format_rfc3339(core::now_utc());
      session.sql() << "INSERT INTO event_attempts (consumer_group, event_id, attempts, "
                       "last_error, updated_at) VALUES (:group, :event_id, 1, '', :now) "
                       "ON CONFLICT (consumer_group, event_id) DO UPDATE SET "
                       "attempts = event_attempts.attempts + 1, updated_at = excluded.updated_at",
          soci::use(options_.group), soci::use(event_id), soci::use(now);
      return before;
    });
  }

  // A failed attempt, in its own short transaction (the failed one rolled back): adds one
  // unless this run was counted already as started. Returns the count afterwards; when
  // the database cannot be written the count goes on in memory, so the limit still holds
  // within this process.
  int record_failure(const std::string& event_id, const std::string& error, const InHand& current) {
    const int increment = current.current_counted ? 0 : 1;
    const int in_memory = current.attempts + increment;
    auto recorded = database_.transaction<int>([&](db::Session& session) -> Result<int> {
      int attempts = 0;
      const std::string now = core::format_rfc3339(core::now_utc());
      session.sql() << "INSERT INTO event_attempts (consumer_group, event_id, attempts, "
                       "last_error, updated_at) VALUES (:group, :event_id, 1, :error, :now) "
                       "ON CONFLICT (consumer_group, event_id) DO UPDATE SET "
                       "attempts = event_attempts.attempts + :increment, "
                       "last_error = excluded.last_error, updated_at = excluded.updated_at "
                       "RETURNING attempts",
          soci::use(options_.group), soci::use(event_id), soci::use(error), soci::use(now),
          soci::use(increment), soci::into(attempts);
      return attempts;
    });
    if (!recorded) {
      logger_.warn("cannot record a failed event attempt; counting it in memory",
                   {{"event_id", event_id}, {"error", describe(recorded.error())}});
      return in_memory;
    }
    return std::max(*recorded, in_memory);
  }

  void delete_attempts(db::Session& session, const std::string& event_id) {
    session.sql() << "DELETE FROM event_attempts WHERE consumer_group = :group AND "
                     "event_id = :event_id",
        soci::use(options_.group), soci::use(event_id);
  }

  // After dead-lettering: a replay starts with a fresh count. A failure leaves a row
  // that only shortens a replay's attempts.
  void forget_attempts(const std::string& event_id) {
    auto forgotten = database_.transaction<void>([&](db::Session& session) -> Result<void> {
      delete_attempts(session, event_id);
      return core::ok();
    });
    if (!forgotten)
      logger_.warn("cannot forget the attempts of a dead-lettered event",
                   {{"event_id", event_id}, {"error", describe(forgotten.error())}});
  }

  // Copies the entry to "<stream>.dlq" with why it failed, then acknowledges the original.
  // If the copy fails the original stays pending: it is taken back and tried again later.
  // `label`: the event's type as a metric label (kUnparsable when there is no event);
  // `log_context`: whom its lines are about (the event's trace, the last attempt's span).
  void dead_letter(const StreamEntry& entry, const std::optional<Event>& event,
                   const std::string& label, const std::string& json, const std::string& error,
                   int attempts, const logging::Context& log_context) {
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
      logger_.error(log_context, "cannot dead-letter an event; it stays pending",
                    {{"entry_id", entry.id}, {"error", describe(added.error())}});
      broker_failed(added.error());
      return;
    }
    acknowledge(entry.id);
    if (event) forget_attempts(event->id);
    registry_
        .counter("events_dead_lettered_total", "Events moved to the dead-letter stream.",
                 {{"type", label}})
        .inc();
    logger_.error(log_context, "event dead-lettered",
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
      // Not fatal: the entry is read again later and the inbox recognises it.
      logger_.warn("cannot acknowledge an event entry",
                   {{"entry_id", id}, {"error", describe(acked.error())}});
      broker_failed(acked.error());
    }
  }

  static logging::Context context(const Event& event) {
    return {.request_id = event.correlation_id, .trace_id = trace_id_of(event.traceparent)};
  }

  // --- broker health ---------------------------------------------------------------

  // Logs once per outage; the step then waits a growing backoff (broker_backoff), so
  // that a dead broker costs neither a busy loop nor a log line per try. Any failure may
  // mean a restarted Redis that lost the group, so the group is ensured again.
  void broker_failed(const Error& error) {
    group_ready_ = false;
    broker_reachable_.store(false);
    if (broker_down_) return;
    broker_down_ = true;
    reconnect_delay_ = options_.initial_backoff;
    logger_.warn(
        "event broker unavailable; consumer retrying",
        {{"stream", options_.stream}, {"group", options_.group}, {"error", describe(error)}});
  }

  core::Pause broker_backoff() {
    const milliseconds delay = reconnect_delay_;
    reconnect_delay_ = std::min(reconnect_delay_ * 2, options_.max_backoff);
    return core::Pause::ignoring_wake(delay);
  }

  void broker_ok() {
    broker_reachable_.store(true);
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
  metrics::Gauge& paused_gauge_;
  milliseconds claim_interval_{};
  milliseconds keep_interval_{};

  std::mutex handlers_mutex_;
  std::map<std::string, Registration> handlers_;

  mutable std::mutex status_mutex_;
  ConsumerStatus status_;
  std::atomic<bool> broker_reachable_{false};

  // Shared by the consumer task (writes) and the keeper (reads).
  std::mutex in_hand_mutex_;
  std::vector<std::string> in_hand_ids_;

  // Owned by the consumer task.
  std::unique_ptr<RedisConnection> redis_;
  std::deque<InHand> batch_;
  bool group_ready_ = false;
  bool own_pending_checked_ = false;
  std::string own_pending_after_ = "0";
  bool broker_down_ = false;
  milliseconds reconnect_delay_{};
  SteadyClock::time_point next_claim_{};
  SteadyClock::time_point next_stats_{};
  int claim_rounds_ = 0;
  bool paused_ = false;
  SteadyClock::time_point paused_at_{};
  SteadyClock::time_point resume_at_{};

  // Owned by the keeper task.
  std::unique_ptr<RedisConnection> keeper_redis_;

  std::mutex lifecycle_mutex_;
  // Last: they run steps that use everything above, and stop before it goes.
  std::unique_ptr<core::BackgroundTask> keeper_;
  std::unique_ptr<core::BackgroundTask> task_;
};

Consumer::Consumer(db::Database& database, ConsumerOptions options, logging::Logger& logger,
                   metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(database, std::move(options), logger, registry)) {}

Consumer::~Consumer() {
  stop();
}

Consumer& Consumer::on(std::string type_name, int max_version, EventHandler handler) {
  std::lock_guard lock(impl_->handlers_mutex_);
  impl_->handlers_[std::move(type_name)] = {max_version, std::move(handler)};
  return *this;
}

void Consumer::start() {
  impl_->start();
}

void Consumer::stop() {
  impl_->stop();
}

ConsumerStatus Consumer::status() const {
  return impl_->status();
}

const ConsumerOptions& Consumer::options() const {
  return impl_->options_;
}

}  // namespace platform::events
