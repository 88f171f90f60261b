// The consumer against a real Redis and both database backends: round trips, the inbox
// against redelivery, claims from dead consumers, retries and dead letters, skips,
// shared work and graceful stops.
#include "platform/events/consumer.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "platform/db/migrations.h"
#include "platform/events/outbox.h"
#include "platform/testing/redis.h"
#include "platform/testing/test_database.h"
#include "platform/tracing/tracer.h"
#include "stream_helpers.h"

namespace platform::events {
namespace {

using core::Error;
using core::Result;
using platform::testing::TestBackend;
using test::eventually;
using test::publish;
using test::test_event;
using namespace std::chrono_literals;

class ConsumerTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    auto opened = db::Database::open({.url = database_.url(), .pool_size = 6});
    ASSERT_TRUE(opened) << opened.error().detail() << " " << opened.error().log_detail();
    db_ = std::move(opened).value();
    auto migrated = db::migrate(*db_, migration_files());
    ASSERT_TRUE(migrated) << migrated.error().detail() << " " << migrated.error().log_detail();
    auto created = db_->transaction<void>([](db::Session& s) -> Result<void> {
      s.sql() << "CREATE TABLE applied (event_id TEXT NOT NULL, consumer TEXT NOT NULL)";
      return core::ok();
    });
    ASSERT_TRUE(created);
    redis_url_ = platform::testing::redis_server_url();
    auto connected = RedisConnection::connect({.url = redis_url_});
    ASSERT_TRUE(connected) << connected.error().detail();
    redis_ = std::move(connected).value();
  }

  ConsumerOptions options(const std::string& consumer = "consumer-a") {
    return {.stream = stream_,
            .group = group_,
            .consumer = consumer,
            .redis = {.url = redis_url_},
            .batch_size = 10,
            .block = 100ms,
            .max_attempts = 3,
            .initial_backoff = 5ms,
            .max_backoff = 20ms,
            .claim_idle = 200ms};
  }

  std::unique_ptr<Consumer> consumer(ConsumerOptions options) {
    return std::make_unique<Consumer>(*db_, std::move(options), logger_, registry_);
  }

  // A handler whose effect is one row in `applied`.
  EventHandler applying(const std::string& consumer = "consumer-a",
                        std::atomic<int>* calls = nullptr) {
    return [consumer, calls](const Event& event, db::Session& s) -> Result<void> {
      if (calls != nullptr) ++*calls;
      s.sql() << "INSERT INTO applied (event_id, consumer) VALUES (:id, :consumer)",
          soci::use(event.id), soci::use(consumer);
      return core::ok();
    };
  }

  long long count(const std::string& where = "1 = 1") {
    long long n = -1;
    auto read = db_->read<void>([&](db::Session& s) -> Result<void> {
      s.sql() << "SELECT COUNT(*) FROM applied WHERE " + where, soci::into(n);
      return core::ok();
    });
    EXPECT_TRUE(read);
    return n;
  }

  long long inbox_rows(const std::string& event_id) {
    long long n = -1;
    auto read = db_->read<void>([&](db::Session& s) -> Result<void> {
      s.sql() << "SELECT COUNT(*) FROM inbox WHERE consumer_group = :g AND event_id = :e",
          soci::into(n), soci::use(group_), soci::use(event_id);
      return core::ok();
    });
    EXPECT_TRUE(read);
    return n;
  }

  double counter(const std::string& name, const metrics::Labels& labels) {
    return registry_.counter(name, "", labels).value();
  }

  // The entries delivered to `consumer` and never acknowledged (reading them from "0").
  std::size_t pending_for(const std::string& consumer) {
    auto pending = redis_->xreadgroup(stream_, group_, consumer, 1000, 1ms, "0");
    EXPECT_TRUE(pending) << (pending ? "" : pending.error().detail());
    return pending ? pending->size() : 0;
  }

  double gauge(const std::string& name, const metrics::Labels& labels) {
    return registry_.gauge(name, "", labels).value();
  }

  std::size_t dead_letter_count() {
    auto length = redis_->xlen(dead_letter_stream(stream_));
    EXPECT_TRUE(length);
    return length ? *length : 0;
  }

  long long attempt_rows() {
    long long n = -1;
    auto read = db_->read<void>([&](db::Session& s) -> Result<void> {
      s.sql() << "SELECT COUNT(*) FROM event_attempts WHERE consumer_group = :g", soci::into(n),
          soci::use(group_);
      return core::ok();
    });
    EXPECT_TRUE(read);
    return n;
  }

  std::size_t log_lines_containing(const std::string& text) {
    std::size_t n = 0;
    for (const auto& line : log_lines())
      if (line.find(text) != std::string::npos) ++n;
    return n;
  }

  std::vector<std::string> log_lines() {
    std::lock_guard lock(log_mutex_);
    return lines_;
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<db::Database> db_;
  std::string redis_url_;
  std::unique_ptr<RedisConnection> redis_;
  std::string stream_ = platform::testing::unique_name("events.test");
  std::string group_ = platform::testing::unique_name("group");
  std::mutex log_mutex_;
  std::vector<std::string> lines_;
  logging::Logger logger_{"events-test", "test-1", logging::Level::kDebug,
                          [this](std::string_view line) {
                            std::lock_guard lock(log_mutex_);
                            lines_.emplace_back(line);
                          }};
  metrics::Registry registry_;
};

TEST_P(ConsumerTest, HandlesAPublishedEventAndCommitsItsEffectWithTheInboxRow) {
  auto c = consumer(options());
  c->on("thing.happened", 1, applying());
  c->start();
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);

  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  EXPECT_EQ(inbox_rows(event.id), 1);
  EXPECT_TRUE(eventually([&] {
    return counter("events_consumed_total", {{"type", "thing.happened.v1"}}) == 1;
  }));
  c->stop();
  EXPECT_EQ(pending_for("consumer-a"), 0u);
  const std::string metrics = registry_.render();
  EXPECT_NE(metrics.find("events_consumer_lag{"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("events_dlq_size{"), std::string::npos) << metrics;

  // Log lines about the event carry its correlation id as the request id.
  bool correlated = false;
  for (const auto& line : log_lines())
    if (line.find(event.id) != std::string::npos &&
        line.find("\"request_id\":\"request-1\"") != std::string::npos)
      correlated = true;
  EXPECT_TRUE(correlated);
}

// Each attempt is a consumer span; the lines about an attempt name its span, so that
// an operator goes from a log line to the attempt's span and back.
TEST_P(ConsumerTest, LinesAboutAnAttemptCarryTheAttemptsSpan) {
  tracing::Tracer tracer({}, logger_);
  ConsumerOptions with_tracer = options();
  with_tracer.tracer = &tracer;
  auto c = consumer(with_tracer);
  std::atomic<int> calls = 0;
  c->on("thing.happened", 1, [&](const Event& event, db::Session& s) -> Result<void> {
    if (++calls == 1) return Error::failed_precondition("not yet");
    return applying()(event, s);
  });
  c->start();
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);
  ASSERT_TRUE(eventually([&] {
    return counter("events_consumed_total", {{"type", "thing.happened.v1"}}) == 1;
  }));
  c->stop();
  tracer.flush();

  // The span id a line names ("span_id") and the consumer spans logged ("spanId").
  const auto field = [](const std::string& line, const std::string& key) {
    const std::string opening = "\"" + key + "\":\"";
    const auto at = line.find(opening);
    if (at == std::string::npos) return std::string();
    const auto from = at + opening.size();
    return line.substr(from, line.find('"', from) - from);
  };
  std::string failed_span, handled_span;
  std::set<std::string> consumer_spans;
  for (const auto& line : log_lines()) {
    if (line.find("\"msg\":\"event handler failed, retrying\"") != std::string::npos)
      failed_span = field(line, "span_id");
    if (line.find("\"msg\":\"event handled\"") != std::string::npos)
      handled_span = field(line, "span_id");
    if (line.find("\"msg\":\"span\"") != std::string::npos &&
        line.find("\"kind\":5") != std::string::npos)
      consumer_spans.insert(field(line, "spanId"));
  }
  ASSERT_EQ(consumer_spans.size(), 2u) << ::testing::PrintToString(log_lines());
  EXPECT_TRUE(consumer_spans.contains(failed_span)) << failed_span;
  EXPECT_TRUE(consumer_spans.contains(handled_span)) << handled_span;
  EXPECT_NE(failed_span, handled_span);
}

TEST_P(ConsumerTest, HandlerFailureRollsBackItsEffectAndTheInboxRow) {
  std::atomic<int> calls = 0;
  auto c = consumer(options());
  c->on("thing.happened", 1, [&](const Event& event, db::Session& s) -> Result<void> {
    if (auto applied = applying()(event, s); !applied) return applied;
    ++calls;
    return Error::failed_precondition("not today");
  });
  c->start();
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);
  ASSERT_TRUE(eventually([&] {
    return counter("events_dead_lettered_total", {{"type", "thing.happened.v1"}}) == 1;
  }));
  c->stop();
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(count(), 0);
  EXPECT_EQ(inbox_rows(event.id), 0);
}

TEST_P(ConsumerTest, AppliesARedeliveredEventOnce) {
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);
  publish(*redis_, stream_, event);  // the relay published it twice
  auto c = consumer(options());
  c->on("thing.happened", 1, applying());
  c->start();

  ASSERT_TRUE(eventually([&] {
    return counter("events_duplicates_total", {{"type", "thing.happened.v1"}}) == 1;
  }));
  EXPECT_EQ(counter("events_consumed_total", {{"type", "thing.happened.v1"}}), 1);
  EXPECT_EQ(count(), 1);
  c->stop();
  EXPECT_EQ(pending_for("consumer-a"), 0u);
}

TEST_P(ConsumerTest, ClaimsAndAppliesOnceWhatADeadConsumerLeftPending) {
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);
  // A consumer that read the entry and died before acknowledging it.
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true));
  auto taken = redis_->xreadgroup(stream_, group_, "dead-consumer", 10, 1ms, ">");
  ASSERT_TRUE(taken);
  ASSERT_EQ(taken->size(), 1u);

  auto c = consumer(options("consumer-b"));
  c->on("thing.happened", 1, applying("consumer-b"));
  c->start();
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  c->stop();
  EXPECT_EQ(count("consumer = 'consumer-b'"), 1);
  EXPECT_EQ(pending_for("dead-consumer"), 0u);
  EXPECT_EQ(pending_for("consumer-b"), 0u);
}

TEST_P(ConsumerTest, AConsumerStoppedWhileRetryingLeavesTheEventToAnother) {
  std::atomic<int> calls = 0;
  ConsumerOptions slow = options("consumer-a");
  slow.initial_backoff = 10s;  // stop() must cut this short
  slow.max_backoff = 10s;
  auto a = consumer(slow);
  a->on("thing.happened", 1, [&](const Event&, db::Session&) -> Result<void> {
    ++calls;
    return Error::unavailable("downstream is down");
  });
  a->start();
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);
  ASSERT_TRUE(eventually([&] { return calls == 1; }));
  const auto stopping = std::chrono::steady_clock::now();
  a->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 2s);
  EXPECT_EQ(calls, 1);

  auto b = consumer(options("consumer-b"));
  b->on("thing.happened", 1, applying("consumer-b"));
  b->start();
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  b->stop();
  EXPECT_EQ(counter("events_consumed_total", {{"type", "thing.happened.v1"}}), 1);
  EXPECT_EQ(pending_for("consumer-a"), 0u);
}

TEST_P(ConsumerTest, DeadLettersAPoisonEventAndAppliesItOnceWhenReplayedAfterAFix) {
  std::atomic<bool> fixed = false;
  std::atomic<int> calls = 0;
  auto c = consumer(options());
  c->on("thing.happened", 1, [&](const Event& event, db::Session& s) -> Result<void> {
    ++calls;
    if (!fixed) return Error::internal("boom: cannot apply");
    return applying()(event, s);
  });
  c->start();
  const Event event = test_event("thing.happened.v1");
  const std::string original_id = publish(*redis_, stream_, event);

  ASSERT_TRUE(eventually([&] {
    auto length = redis_->xlen(dead_letter_stream(stream_));
    return length && *length == 1;
  }));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(counter("events_retried_total", {{"type", "thing.happened.v1"}}), 2);
  EXPECT_TRUE(eventually([&] {
    return counter("events_dead_lettered_total", {{"type", "thing.happened.v1"}}) == 1;
  }));
  auto letters = list_dead_letters(*redis_, stream_, 50);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1u);
  const DeadLetter& letter = letters->front();
  EXPECT_EQ(letter.event, event);
  EXPECT_EQ(letter.attempts, 3);
  EXPECT_NE(letter.error.find("boom: cannot apply"), std::string::npos) << letter.error;
  EXPECT_EQ(letter.group, group_);
  EXPECT_EQ(letter.original_id, original_id);
  EXPECT_TRUE(core::parse_rfc3339(letter.failed_at)) << letter.failed_at;
  EXPECT_EQ(count(), 0);

  fixed = true;
  auto replayed = replay_dead_letters(*redis_, stream_, "all");
  ASSERT_TRUE(replayed) << replayed.error().detail();
  EXPECT_EQ(*replayed, 1u);
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  c->stop();
  EXPECT_EQ(calls, 4);
  auto length = redis_->xlen(dead_letter_stream(stream_));
  ASSERT_TRUE(length);
  EXPECT_EQ(*length, 0u);
  EXPECT_EQ(pending_for("consumer-a"), 0u);  // the original was acknowledged
}

TEST_P(ConsumerTest, ADependencyOutageCostsNoAttemptAndNeverDeadLetters) {
  // max_attempts is 3 in options(): eight "unavailable" answers must not use them up.
  std::atomic<int> calls = 0;
  auto c = consumer(options());
  c->on("thing.happened", 1, [&](const Event& event, db::Session& s) -> Result<void> {
    if (++calls <= 8) return Error::unavailable("the peer is down");
    return applying()(event, s);
  });
  c->start();
  publish(*redis_, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  c->stop();
  EXPECT_EQ(calls, 9);
  auto length = redis_->xlen(dead_letter_stream(stream_));
  ASSERT_TRUE(length);
  EXPECT_EQ(*length, 0u);
}

TEST_P(ConsumerTest, TreatsAThrowingHandlerAsAFailure) {
  auto c = consumer(options());
  c->on("thing.happened", 1, [](const Event&, db::Session&) -> Result<void> {
    throw std::runtime_error("handler bug");
  });
  c->start();
  publish(*redis_, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] {
    auto length = redis_->xlen(dead_letter_stream(stream_));
    return length && *length == 1;
  }));
  c->stop();
  auto letters = list_dead_letters(*redis_, stream_, 50);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_NE(letters->front().error.find("handler bug"), std::string::npos)
      << letters->front().error;
}

TEST_P(ConsumerTest, TwoConsumersInOneGroupShareTheWorkAndHandleEachEventOnce) {
  std::vector<StreamFields> entries;
  std::set<std::string> ids;
  for (int i = 0; i < 300; ++i) {
    const Event event = test_event("thing.happened.v1", R"({"n":)" + std::to_string(i) + "}");
    ids.insert(event.id);
    entries.push_back(test::relay_fields(event));
  }
  std::atomic<int> calls_a = 0;
  std::atomic<int> calls_b = 0;
  // No claims: on SQLite one consumer can wait on the other's write lock long enough
  // to look dead (the inbox would still keep the effect single, not the handler calls).
  ConsumerOptions o = options();
  o.claim_idle = 30s;
  o.consumer = "consumer-a";
  auto a = consumer(o);
  o.consumer = "consumer-b";
  auto b = consumer(o);
  // A little work per event, so that neither consumer drains the stream alone.
  auto slow = [this](const std::string& name, std::atomic<int>* calls) {
    return [handler = applying(name, calls)](const Event& event, db::Session& s) {
      std::this_thread::sleep_for(1ms);
      return handler(event, s);
    };
  };
  a->on("thing.happened", 1, slow("consumer-a", &calls_a));
  b->on("thing.happened", 1, slow("consumer-b", &calls_b));
  a->start();
  b->start();
  ASSERT_TRUE(redis_->xadd_many(stream_, entries));

  ASSERT_TRUE(eventually([&] { return count() == 300; }, 60s)) << count();
  a->stop();
  b->stop();
  EXPECT_EQ(count(), 300);
  EXPECT_EQ(calls_a + calls_b, 300);
  EXPECT_GT(calls_a, 0);
  EXPECT_GT(calls_b, 0);
  long long distinct = -1;
  ASSERT_TRUE(db_->read<void>([&](db::Session& s) -> Result<void> {
    s.sql() << "SELECT COUNT(DISTINCT event_id) FROM applied", soci::into(distinct);
    return core::ok();
  }));
  EXPECT_EQ(distinct, 300);
}

TEST_P(ConsumerTest, SkipsAndAcknowledgesUnknownTypesAndNewerVersions) {
  auto c = consumer(options());
  c->on("thing.happened", 1, applying());
  c->start();
  publish(*redis_, stream_, test_event("other.happened.v1"));
  publish(*redis_, stream_, test_event("thing.happened.v2"));
  publish(*redis_, stream_, test_event("thing.happened"));  // no version at all
  const Event known = test_event("thing.happened.v1");
  publish(*redis_, stream_, known);

  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  c->stop();
  EXPECT_EQ(count("event_id = '" + known.id + "'"), 1);
  // Labelled by what this consumer registered, never by the type from the wire.
  EXPECT_EQ(counter("events_skipped_total", {{"type", "unknown"}, {"reason", "unknown_type"}}), 2);
  EXPECT_EQ(
      counter("events_skipped_total", {{"type", "thing.happened"}, {"reason", "newer_version"}}),
      1);
  EXPECT_EQ(pending_for("consumer-a"), 0u);
  auto length = redis_->xlen(dead_letter_stream(stream_));
  ASSERT_TRUE(length);
  EXPECT_EQ(*length, 0u);
}

TEST_P(ConsumerTest, DeadLettersMalformedEnvelopesAtOnceAndCarriesOn) {
  auto c = consumer(options());
  std::atomic<int> calls = 0;
  c->on("thing.happened", 1, applying("consumer-a", &calls));
  c->start();
  ASSERT_TRUE(redis_->xadd(stream_, {{"event", "{not json"}}));
  ASSERT_TRUE(redis_->xadd(stream_, {{"something", "else"}}));
  ASSERT_TRUE(redis_->xadd(stream_, {{"event", R"({"specversion":"1.0"})"}}));
  publish(*redis_, stream_, test_event("thing.happened.v1"));

  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  ASSERT_TRUE(eventually([&] {
    auto length = redis_->xlen(dead_letter_stream(stream_));
    return length && *length == 3;
  }));
  c->stop();
  EXPECT_EQ(calls, 1);
  auto letters = list_dead_letters(*redis_, stream_, 50);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 3u);
  EXPECT_EQ(letters->at(0).event_json, "{not json");
  EXPECT_EQ(letters->at(0).attempts, 1);
  EXPECT_NE(letters->at(0).error.find("malformed"), std::string::npos) << letters->at(0).error;
  EXPECT_NE(letters->at(1).error.find("no \"event\" field"), std::string::npos);
  EXPECT_TRUE(letters->at(2).event.id.empty());
  EXPECT_EQ(counter("events_dead_lettered_total", {{"type", "unparsable"}}), 3);
  EXPECT_EQ(pending_for("consumer-a"), 0u);
}

TEST_P(ConsumerTest, GracefulStopLeavesUnprocessedEntriesPendingForTheNextStart) {
  std::atomic<int> calls = 0;
  auto handler = [&](const Event& event, db::Session& s) -> Result<void> {
    std::this_thread::sleep_for(50ms);
    return applying("consumer-a", &calls)(event, s);
  };
  // All ten in the stream first, so that the first read takes them in one batch.
  std::vector<StreamFields> entries;
  for (int i = 0; i < 10; ++i)
    entries.push_back(test::relay_fields(test_event("thing.happened.v1")));
  ASSERT_TRUE(redis_->xadd_many(stream_, entries));
  ConsumerOptions o = options();
  {
    auto c = consumer(o);
    c->on("thing.happened", 1, handler);
    c->start();
    ASSERT_TRUE(eventually([&] { return calls >= 1; }));
    c->stop();
  }
  const long long done = count();
  EXPECT_GE(done, 1);
  ASSERT_LT(done, 10);
  EXPECT_EQ(pending_for("consumer-a"), static_cast<std::size_t>(10 - done));

  // The same consumer name takes its pending entries back on its next start.
  auto again = consumer(o);
  again->on("thing.happened", 1, handler);
  again->start();
  ASSERT_TRUE(eventually([&] { return count() == 10; }));
  again->stop();
  EXPECT_EQ(calls, 10);
}

TEST_P(ConsumerTest, RidesOutARedisOutageLoggingItOnce) {
  platform::testing::RedisServer own;
  ConsumerOptions o = options();
  o.redis.url = own.url();
  o.redis.connect_timeout = 200ms;
  auto c = consumer(o);
  c->on("thing.happened", 1, applying());
  c->start();
  auto publisher = RedisConnection::connect({.url = own.url()});
  ASSERT_TRUE(publisher);
  publish(**publisher, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] { return count() == 1; }));

  own.stop();
  std::this_thread::sleep_for(1s);
  own.start();  // empty: the stream and the group are gone
  ASSERT_TRUE(eventually([&] { return publisher->get()->ping().has_value(); }));
  publish(**publisher, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] { return count() == 2; }, 20s));
  c->stop();

  int outages = 0;
  for (const auto& line : log_lines())
    if (line.find("event broker unavailable") != std::string::npos) ++outages;
  EXPECT_EQ(outages, 1);
}

TEST_P(ConsumerTest, ASlowHandlerKeepsItsEntryFromAnotherConsumerAndHandlesItOnce) {
  // A handler that waits 2.5 s on a peer, with entries looking abandoned after 1 s: the
  // keeper must keep the entry ours, so the second consumer never claims it (nor sends it
  // to the DLQ as "delivered too often").
  ConsumerOptions o = options("consumer-a");
  o.claim_idle = 1s;
  o.max_attempts = 1;
  std::atomic<int> calls = 0;
  std::latch handling(1);
  auto slow = [&](const Event& event, db::Session& s) -> Result<void> {
    if (++calls == 1) handling.count_down();
    std::this_thread::sleep_for(2500ms);  // the slow peer call under test
    return applying()(event, s);
  };
  auto a = consumer(o);
  a->on("thing.happened", 1, slow);
  a->start();
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);
  handling.wait();  // consumer-a holds the entry now

  o.consumer = "consumer-b";
  auto b = consumer(o);
  b->on("thing.happened", 1, slow);
  b->start();
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  // consumer-b claimed every 500 ms while consumer-a worked; it never got the entry.
  a->stop();
  b->stop();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(dead_letter_count(), 0u);
  EXPECT_EQ(counter("events_consumed_total", {{"type", "thing.happened.v1"}}), 1);
  EXPECT_EQ(log_lines_containing("claimed an abandoned event entry"), 0u);
  EXPECT_EQ(pending_for("consumer-a"), 0u);
  EXPECT_EQ(pending_for("consumer-b"), 0u);
}

TEST_P(ConsumerTest, AnEntryReadManyTimesByRestartsIsHandledNotDeadLettered) {
  const Event event = test_event("thing.happened.v1");
  const std::string id = publish(*redis_, stream_, event);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true));
  // Ten restarts that read the entry back from this consumer's pending list and died.
  ASSERT_TRUE(redis_->xreadgroup(stream_, group_, "consumer-a", 10, 1ms, ">"));
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(redis_->xreadgroup(stream_, group_, "consumer-a", 10, 1ms, "0"));
  auto delivered = redis_->deliveries(stream_, group_, id);
  ASSERT_TRUE(delivered);
  ASSERT_EQ(*delivered, 11u);

  auto c = consumer(options());  // max_attempts 3
  c->on("thing.happened", 1, applying());
  c->start();
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  c->stop();
  EXPECT_EQ(dead_letter_count(), 0u);
  EXPECT_EQ(pending_for("consumer-a"), 0u);
  EXPECT_EQ(attempt_rows(), 0);  // the "attempt started" went with the effect
}

TEST_P(ConsumerTest, AHandlerThatAlwaysFailsIsDeadLetteredAfterExactlyMaxAttempts) {
  ConsumerOptions o = options();
  o.max_attempts = 4;
  const Event invalid = test_event("thing.happened.v1", R"({"n":1})");
  const Event internal = test_event("thing.happened.v1", R"({"n":2})");
  std::mutex mutex;
  std::map<std::string, int> calls;
  auto c = consumer(o);
  c->on("thing.happened", 1, [&](const Event& event, db::Session&) -> Result<void> {
    {
      std::lock_guard lock(mutex);
      ++calls[event.id];
    }
    if (event.id == invalid.id) return Error::invalid_argument("n", "is not acceptable");
    return Error::internal("a bug in the handler");
  });
  c->start();
  publish(*redis_, stream_, invalid);
  publish(*redis_, stream_, internal);
  ASSERT_TRUE(eventually([&] { return dead_letter_count() == 2; }));
  c->stop();
  EXPECT_EQ(calls[invalid.id], 4);
  EXPECT_EQ(calls[internal.id], 4);
  auto letters = list_dead_letters(*redis_, stream_, 10);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 2u);
  for (const DeadLetter& letter : *letters) EXPECT_EQ(letter.attempts, 4);
  EXPECT_NE(letters->at(0).error.find("is not acceptable"), std::string::npos);
  EXPECT_NE(letters->at(1).error.find("a bug in the handler"), std::string::npos);
  EXPECT_EQ(attempt_rows(), 0);  // forgotten: a replay starts afresh
  EXPECT_EQ(pending_for("consumer-a"), 0u);
}

TEST_P(ConsumerTest, ARedeliveryWhoseAttemptsRanOutIsDeadLetteredWithoutRunningTheHandler) {
  // What a consumer that crashed in the handler three times leaves behind: the entry
  // pending under its name and three "attempt started" without an outcome.
  const Event event = test_event("thing.happened.v1");
  publish(*redis_, stream_, event);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true));
  ASSERT_TRUE(redis_->xreadgroup(stream_, group_, "consumer-a", 10, 1ms, ">"));
  ASSERT_TRUE(db_->transaction<void>([&](db::Session& s) -> Result<void> {
    s.sql() << "INSERT INTO event_attempts (consumer_group, event_id, attempts, last_error, "
               "updated_at) VALUES (:g, :e, 3, '', '2026-01-01T00:00:00Z')",
        soci::use(group_), soci::use(event.id);
    return core::ok();
  }));
  std::atomic<int> calls = 0;
  auto c = consumer(options());  // max_attempts 3
  c->on("thing.happened", 1, applying("consumer-a", &calls));
  c->start();
  ASSERT_TRUE(eventually([&] { return dead_letter_count() == 1; }));
  c->stop();
  EXPECT_EQ(calls, 0);
  auto letters = list_dead_letters(*redis_, stream_, 10);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ(letters->front().attempts, 3);
  EXPECT_NE(letters->front().error.find("did not finish"), std::string::npos)
      << letters->front().error;
  EXPECT_EQ(pending_for("consumer-a"), 0u);
}

TEST_P(ConsumerTest, ARedeliveryCountsAsAnAttemptStartedAndAFirstDeliveryDoesNot) {
  // A first delivery writes nothing before its run; a redelivery records its start.
  std::vector<long long> rows_seen;
  std::mutex mutex;
  auto c = consumer(options());
  c->on("thing.happened", 1, [&](const Event& event, db::Session& s) -> Result<void> {
    long long rows = 0;
    s.sql() << "SELECT COUNT(*) FROM event_attempts WHERE event_id = :e", soci::into(rows),
        soci::use(event.id);
    std::lock_guard lock(mutex);
    rows_seen.push_back(rows);
    return applying()(event, s);
  });
  const Event redelivered = test_event("thing.happened.v1");
  publish(*redis_, stream_, redelivered);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true));
  ASSERT_TRUE(redis_->xreadgroup(stream_, group_, "consumer-a", 10, 1ms, ">"));
  c->start();
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  publish(*redis_, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] { return count() == 2; }));
  c->stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(rows_seen, (std::vector<long long>{1, 0}));
  EXPECT_EQ(attempt_rows(), 0);
}

TEST_P(ConsumerTest, ADependencyThatStaysDownPausesTheSubscriptionThenItResumesWithThatEvent) {
  ConsumerOptions o = options();
  o.max_transient_retries = 2;
  o.pause_duration = 400ms;
  std::atomic<bool> down = true;
  std::atomic<int> calls = 0;
  std::mutex mutex;
  std::vector<std::string> handled;
  auto c = consumer(o);
  c->on("thing.happened", 1, [&](const Event& event, db::Session& s) -> Result<void> {
    ++calls;
    if (down) return Error::unavailable("the peer is down");
    {
      std::lock_guard lock(mutex);
      handled.push_back(event.id);
    }
    return applying()(event, s);
  });
  c->start();
  EXPECT_EQ(c->status().state, ConsumerStatus::State::kRunning);
  const Event first = test_event("thing.happened.v1");
  publish(*redis_, stream_, first);
  ASSERT_TRUE(eventually([&] { return c->status().state == ConsumerStatus::State::kPaused; }));
  const ConsumerStatus paused = c->status();
  EXPECT_NE(paused.reason.find("the peer is down"), std::string::npos) << paused.reason;
  EXPECT_LE(paused.since, core::now_utc());
  EXPECT_EQ(gauge("events_consumer_paused", {{"stream", stream_}, {"group", group_}}), 1);
  EXPECT_EQ(calls, 3);  // the first try and two retries

  // Paused: nothing new is read.
  const Event second = test_event("thing.happened.v1");
  publish(*redis_, stream_, second);
  down = false;  // the dependency is back; the pause still runs its course
  auto lag = redis_->group_lag(stream_, group_);
  ASSERT_TRUE(lag);
  EXPECT_EQ(*lag, std::optional<std::uint64_t>(1));

  ASSERT_TRUE(eventually([&] { return count() == 2; }));
  EXPECT_EQ(c->status().state, ConsumerStatus::State::kRunning);
  EXPECT_EQ(gauge("events_consumer_paused", {{"stream", stream_}, {"group", group_}}), 0);
  c->stop();
  EXPECT_EQ(c->status().state, ConsumerStatus::State::kStopped);
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handled, (std::vector<std::string>{first.id, second.id}));
  }
  EXPECT_EQ(dead_letter_count(), 0u);
  EXPECT_EQ(log_lines_containing("subscription paused"), 1u);
  EXPECT_EQ(log_lines_containing("subscription resumed"), 1u);
  EXPECT_EQ(attempt_rows(), 0);
  EXPECT_EQ(pending_for("consumer-a"), 0u);
}

TEST_P(ConsumerTest, StopWhilePausedReturnsPromptlyAndLeavesTheEventPending) {
  ConsumerOptions o = options();
  o.max_transient_retries = 0;
  o.pause_duration = 1h;
  auto c = consumer(o);
  c->on("thing.happened", 1, [](const Event&, db::Session&) -> Result<void> {
    return Error{core::ErrorCode::kDeadlineExceeded, "the peer did not answer in time"};
  });
  c->start();
  publish(*redis_, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] { return c->status().state == ConsumerStatus::State::kPaused; }));
  const auto stopping = std::chrono::steady_clock::now();
  c->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
  EXPECT_EQ(c->status().state, ConsumerStatus::State::kStopped);
  EXPECT_EQ(gauge("events_consumer_paused", {{"stream", stream_}, {"group", group_}}), 0);
  EXPECT_EQ(pending_for("consumer-a"), 1u);
  EXPECT_EQ(dead_letter_count(), 0u);
}

TEST_P(ConsumerTest, AFloodOfMadeUpTypesCreatesNoNewMetricSeries) {
  auto c = consumer(options());
  c->on("thing.happened", 1, applying());
  c->start();
  std::vector<StreamFields> flood;
  for (int i = 0; i < 200; ++i) {
    flood.push_back(
        test::relay_fields(test_event("made.up." + platform::testing::unique_name("t") + ".v1")));
    flood.push_back(test::relay_fields(test_event("thing.happened.v" + std::to_string(2 + i))));
  }
  flood.push_back(test::relay_fields(test_event("thing.happened.v01")));  // not a version
  ASSERT_TRUE(redis_->xadd_many(stream_, flood));
  publish(*redis_, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  c->stop();

  const std::string metrics = registry_.render();
  EXPECT_EQ(metrics.find("made.up"), std::string::npos);
  EXPECT_EQ(metrics.find("thing.happened.v2"), std::string::npos);
  EXPECT_EQ(metrics.find("thing.happened.v01"), std::string::npos);
  EXPECT_EQ(counter("events_skipped_total", {{"type", "unknown"}, {"reason", "unknown_type"}}),
            201);
  EXPECT_EQ(
      counter("events_skipped_total", {{"type", "thing.happened"}, {"reason", "newer_version"}}),
      200);
  EXPECT_EQ(counter("events_consumed_total", {{"type", "thing.happened.v1"}}), 1);
  std::size_t series = 0;
  for (std::size_t at = metrics.find("\nevents_"); at != std::string::npos;
       at = metrics.find("\nevents_", at + 1))
    ++series;
  // skipped x2, consumed, and the lag, DLQ size and paused gauges.
  EXPECT_EQ(series, 6u) << metrics;
}

TEST_P(ConsumerTest, AHandlerWhoseQueryLostTheDatabaseWaitsInsteadOfUsingUpAttempts) {
  std::atomic<int> calls = 0;
  auto c = consumer(options());  // max_attempts 3
  c->on("thing.happened", 1, [&](const Event& event, db::Session& s) -> Result<void> {
    if (++calls <= 4) throw soci::soci_error("server closed the connection unexpectedly");
    return applying()(event, s);
  });
  c->start();
  publish(*redis_, stream_, test_event("thing.happened.v1"));
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  c->stop();
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(dead_letter_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConsumerTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace platform::events
