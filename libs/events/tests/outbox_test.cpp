#include "platform/events/outbox.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <thread>

#include "platform/db/migrations.h"
#include "platform/testing/redis.h"
#include "platform/testing/test_database.h"

namespace platform::events {
namespace {

using namespace std::chrono_literals;
using platform::testing::TestBackend;
using platform::testing::TestDatabase;
using platform::testing::unique_name;

// Polls `done` until it holds or `timeout` passes; the bound is generous on purpose (a
// loaded CI machine), the tests assert on outcomes, not on speed.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

std::unique_ptr<db::Database> open_migrated(const std::string& url) {
  auto database = db::Database::open({.url = url, .pool_size = 4});
  if (!database) {
    ADD_FAILURE() << database.error().log_detail();
    return nullptr;
  }
  auto migrated = db::migrate(**database, migration_files());
  if (!migrated) ADD_FAILURE() << migrated.error().detail() << migrated.error().log_detail();
  return std::move(*database);
}

Event numbered_event(int n, const std::string& aggregate = "subject-1") {
  return make_event("/test-service", "subject.updated.v1", aggregate,
                    R"({"n":)" + std::to_string(n) + "}", {"", "req-" + std::to_string(n)});
}

// The event ids on `stream`, in stream order.
std::vector<std::string> ids_on(RedisConnection& redis, const std::string& stream) {
  std::vector<std::string> ids;
  auto entries = redis.xrange(stream, "-", "+", 100000);
  if (!entries) return ids;
  for (const auto& entry : *entries) ids.push_back(entry.field("id").value_or(""));
  return ids;
}

class OutboxTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    database_ = open_migrated(test_database_.url());
    ASSERT_TRUE(database_);
    auto redis = RedisConnection::connect({.url = platform::testing::redis_server_url()});
    ASSERT_TRUE(redis.has_value()) << redis.error().log_detail();
    redis_ = std::move(*redis);
  }

  RelayOptions options(const std::string& url) const {
    return {.stream = stream_,
            .redis = {.url = url, .connect_timeout = 200ms},
            .batch_size = 16,
            .sweep_interval = 50ms,
            .max_backoff = 200ms};
  }
  RelayOptions options() const { return options(platform::testing::redis_server_url()); }

  // Appends `events` in one transaction.
  core::Result<void> append(const std::vector<Event>& events) {
    return database_->transaction<void>([&](db::Session& session) -> core::Result<void> {
      for (const auto& event : events)
        if (auto added = append_to_outbox(session, stream_, event); !added) return added;
      return core::ok();
    });
  }

  // Commits events 1..20 one transaction each, waking the relay after each; returns the
  // slowest commit (a write that waited on the relay shows here).
  std::chrono::steady_clock::duration slowest_of_twenty_writes(OutboxRelay& relay) {
    std::chrono::steady_clock::duration slowest{};
    for (int i = 1; i <= 20; ++i) {
      const auto started = std::chrono::steady_clock::now();
      const auto committed = append({numbered_event(i)});
      EXPECT_TRUE(committed.has_value()) << committed.error().log_detail();
      slowest = std::max(slowest, std::chrono::steady_clock::now() - started);
      relay.notify();
    }
    return slowest;
  }

  long long count_rows(const std::string& where = "1 = 1") {
    auto counted = database_->read<long long>([&](db::Session& session) -> core::Result<long long> {
      long long count = 0;
      session.sql() << "SELECT COUNT(*) FROM outbox WHERE " + where, soci::into(count);
      return count;
    });
    return counted ? *counted : -1;
  }

  void execute(const std::string& sql) {
    auto done = database_->transaction<void>([&](db::Session& session) -> core::Result<void> {
      session.sql() << sql;
      return core::ok();
    });
    ASSERT_TRUE(done.has_value()) << done.error().log_detail();
  }

  std::size_t log_lines_containing(const std::string& text) {
    std::lock_guard lock(log_mutex_);
    return static_cast<std::size_t>(std::count_if(
        log_lines_.begin(), log_lines_.end(),
        [&](const std::string& line) { return line.find(text) != std::string::npos; }));
  }

  TestDatabase test_database_{GetParam()};
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<RedisConnection> redis_;
  std::string stream_ = unique_name("test.outbox");
  std::mutex log_mutex_;
  std::vector<std::string> log_lines_;
  logging::Logger logger_{"events-test", "events-test-1", logging::Level::kDebug,
                          [this](std::string_view line) {
                            std::lock_guard lock(log_mutex_);
                            log_lines_.emplace_back(line);
                          }};
  metrics::Registry registry_;
};

TEST_P(OutboxTest, AppendInATransactionThatRollsBackLeavesNothing) {
  const auto result = database_->transaction<void>([&](db::Session& session) -> core::Result<void> {
    if (auto added = append_to_outbox(session, stream_, numbered_event(1)); !added) return added;
    return core::Error::failed_precondition("the command failed after appending its event");
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(count_rows(), 0);
  const auto status = outbox_status(*database_);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->backlog, 0u);
  EXPECT_EQ(status->oldest_age_seconds, std::nullopt);
}

TEST_P(OutboxTest, AppendingTheSameEventTwiceIsAlreadyExists) {
  const Event event = numbered_event(1);
  ASSERT_TRUE(append({event}).has_value());
  const auto again = append({event});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kAlreadyExists);
  EXPECT_EQ(count_rows(), 1);
}

TEST_P(OutboxTest, RelayPublishesCommittedEventsInOrderWithTheEnvelopeIntact) {
  std::vector<Event> events;
  for (int i = 0; i < 40; ++i)
    events.push_back(numbered_event(i, "subject-" + std::to_string(i % 3)));
  // Several transactions, more rows than one batch: the relay drains them all.
  ASSERT_TRUE(append({events.begin(), events.begin() + 25}).has_value());
  ASSERT_TRUE(append({events.begin() + 25, events.end()}).has_value());

  OutboxRelay relay(*database_, options(), logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] { return ids_on(*redis_, stream_).size() >= events.size(); }));
  relay.stop();

  const auto entries = redis_->xrange(stream_, "-", "+", 1000);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const StreamEntry& entry = (*entries)[i];
    EXPECT_EQ(entry.field("id"), events[i].id);
    EXPECT_EQ(entry.field("type"), "subject.updated.v1");
    const auto envelope = entry.field("event");
    ASSERT_TRUE(envelope.has_value());
    const auto parsed = parse_event(*envelope);
    ASSERT_TRUE(parsed.has_value()) << *envelope;
    EXPECT_EQ(*parsed, events[i]);
  }
  EXPECT_TRUE(relay.broker_reachable());
  EXPECT_EQ(count_rows("published_at IS NULL"), 0);
  EXPECT_EQ(count_rows("published_at IS NOT NULL"), static_cast<long long>(events.size()));
  EXPECT_NE(registry_.render().find("events_published_total{type=\"subject.updated.v1\"} 40"),
            std::string::npos)
      << registry_.render();
}

TEST_P(OutboxTest, NotifiedRelayPublishesPromptlyAfterTheCommit) {
  RelayOptions slow_sweep = options();
  slow_sweep.sweep_interval = 10s;  // only notify() can explain a prompt publish
  OutboxRelay relay(*database_, slow_sweep, logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] { return relay.broker_reachable(); }));

  std::vector<double> latencies_ms;
  for (int i = 0; i < 20; ++i) {
    const Event event = numbered_event(i);
    ASSERT_TRUE(append({event}).has_value());
    const auto committed = std::chrono::steady_clock::now();
    relay.notify();
    ASSERT_TRUE(
        eventually([&] { return ids_on(*redis_, stream_).size() == std::size_t(i + 1); }, 5s))
        << "event " << i << " was not published within 5 s of notify()";
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - committed)
            .count());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::cout << "commit-to-publish latency (incl. 1 ms polling): median " << latencies_ms[10]
            << " ms, max " << latencies_ms.back() << " ms\n";
  EXPECT_LT(latencies_ms[10], 1000.0);
}

// A service stops right after its last commits: their wake may not have reached the relay
// yet, or have come while a round that did not see them ran. stop() publishes them (the
// broker answering) instead of leaving them to the next start, a batch after another.
TEST_P(OutboxTest, StopPublishesWhatWasCommittedBeforeIt) {
  RelayOptions slow_sweep = options();
  slow_sweep.sweep_interval = 10s;  // no round of its own comes before the stop
  OutboxRelay relay(*database_, slow_sweep, logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] { return relay.broker_reachable(); }));
  // The first round, with nothing to publish, is over by now (were it late, it would
  // publish the rows itself: the test would prove less, never fail).
  std::this_thread::sleep_for(200ms);
  std::vector<std::string> appended;
  for (int i = 0; i < 40; ++i) {  // more than two batches of 16
    const Event event = numbered_event(i);
    ASSERT_TRUE(append({event}).has_value());
    appended.push_back(event.id);
  }
  // Not notified: as if the wake were still on its way.
  relay.stop();
  EXPECT_EQ(ids_on(*redis_, stream_), appended);
  EXPECT_EQ(count_rows("published_at IS NULL"), 0);
}

TEST_P(OutboxTest, EventsCommittedWhileRedisIsDownArriveExactlyOnceAfterItReturns) {
  platform::testing::RedisServer broker;
  OutboxRelay relay(*database_, options(broker.url()), logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] { return relay.broker_reachable(); }));

  broker.stop();
  std::vector<std::string> appended;
  for (int i = 0; i < 100; ++i) {
    const Event event = numbered_event(i);
    const auto committed = append({event});
    ASSERT_TRUE(committed.has_value()) << committed.error().log_detail();
    appended.push_back(event.id);
    relay.notify();
  }
  ASSERT_TRUE(eventually([&] { return !relay.broker_reachable(); }));
  const auto status = outbox_status(*database_);
  ASSERT_TRUE(status.has_value());
  EXPECT_GT(status->backlog, 0u);

  broker.start();
  auto reader = RedisConnection::connect({.url = broker.url()});
  ASSERT_TRUE(reader.has_value());
  ASSERT_TRUE(eventually([&] { return ids_on(**reader, stream_).size() >= 100; }));
  ASSERT_TRUE(eventually([&] { return relay.broker_reachable(); }));
  std::this_thread::sleep_for(200ms);  // a duplicate would show up by now
  relay.stop();

  const auto ids = ids_on(**reader, stream_);
  EXPECT_EQ(ids, appended);  // each exactly once, in commit order
  EXPECT_EQ(count_rows("published_at IS NULL"), 0);
  EXPECT_EQ(log_lines_containing("event broker unreachable"), 1u);  // once per outage
  EXPECT_EQ(log_lines_containing("outbox relay recovered"), 1u);
  EXPECT_NE(registry_.render().find("outbox_publish_failures_total"), std::string::npos);
}

TEST_P(OutboxTest, ARestartedRelayDoesNotPublishAgainWhatWasPublished) {
  std::vector<Event> events;
  for (int i = 0; i < 10; ++i) events.push_back(numbered_event(i));
  ASSERT_TRUE(append(events).has_value());
  {
    OutboxRelay first(*database_, options(), logger_, registry_);
    first.start();
    ASSERT_TRUE(eventually([&] { return ids_on(*redis_, stream_).size() == 10; }));
  }
  OutboxRelay second(*database_, options(), logger_, registry_);
  second.start();
  ASSERT_TRUE(eventually([&] { return second.broker_reachable(); }));
  second.notify();
  std::this_thread::sleep_for(200ms);  // several sweeps
  ASSERT_TRUE(append({numbered_event(10)}).has_value());
  second.notify();
  ASSERT_TRUE(eventually([&] { return ids_on(*redis_, stream_).size() >= 11; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(ids_on(*redis_, stream_).size(), 11u);
}

TEST_P(OutboxTest, PruneRemovesOnlyPublishedRowsOlderThanTheRetention) {
  const Event old_published = numbered_event(1);
  const Event recently_published = numbered_event(2);
  const Event old_unpublished = numbered_event(3);
  ASSERT_TRUE(append({old_published, recently_published, old_unpublished}).has_value());
  const std::string long_ago = core::format_rfc3339(core::now_utc() - std::chrono::hours(48));
  const std::string now = core::format_rfc3339(core::now_utc());
  execute("UPDATE outbox SET created_at = '" + long_ago + "', published_at = '" + long_ago +
          "' WHERE event_id = '" + old_published.id + "'");
  execute("UPDATE outbox SET published_at = '" + now + "' WHERE event_id = '" +
          recently_published.id + "'");
  execute("UPDATE outbox SET created_at = '" + long_ago + "' WHERE event_id = '" +
          old_unpublished.id + "'");

  // A broker that is down: the unpublished row must stay, however old it is.
  platform::testing::RedisServer broker;
  broker.stop();
  RelayOptions pruning = options(broker.url());
  pruning.retention = std::chrono::hours(24);
  OutboxRelay relay(*database_, pruning, logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] { return count_rows() == 2; }));
  relay.stop();
  EXPECT_EQ(count_rows("event_id = '" + old_published.id + "'"), 0);
  EXPECT_EQ(count_rows("event_id = '" + recently_published.id + "'"), 1);
  EXPECT_EQ(count_rows("event_id = '" + old_unpublished.id + "'"), 1);
  EXPECT_FALSE(relay.broker_reachable());
}

TEST_P(OutboxTest, StatusReportsTheBacklogAndTheAgeOfItsOldestRow) {
  const auto empty = outbox_status(*database_);
  ASSERT_TRUE(empty.has_value()) << empty.error().log_detail();
  EXPECT_EQ(empty->backlog, 0u);
  EXPECT_EQ(empty->oldest_age_seconds, std::nullopt);

  const Event older = numbered_event(1);
  ASSERT_TRUE(append({older, numbered_event(2), numbered_event(3)}).has_value());
  const std::string ten_seconds_ago =
      core::format_rfc3339(core::now_utc() - std::chrono::seconds(10));
  execute("UPDATE outbox SET created_at = '" + ten_seconds_ago + "' WHERE event_id = '" + older.id +
          "'");
  const auto waiting = outbox_status(*database_);
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(waiting->backlog, 3u);
  ASSERT_TRUE(waiting->oldest_age_seconds.has_value());
  EXPECT_GE(*waiting->oldest_age_seconds, 10.0);
  EXPECT_LT(*waiting->oldest_age_seconds, 120.0);

  execute("UPDATE outbox SET published_at = '" + core::format_rfc3339(core::now_utc()) +
          "' WHERE event_id = '" + older.id + "'");
  const auto later = outbox_status(*database_);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->backlog, 2u);
  ASSERT_TRUE(later->oldest_age_seconds.has_value());
  EXPECT_LT(*later->oldest_age_seconds, 10.0);
}

TEST_P(OutboxTest, RelayExportsTheBacklogAsCachedGauges) {
  platform::testing::RedisServer broker;
  broker.stop();
  ASSERT_TRUE(append({numbered_event(1), numbered_event(2)}).has_value());
  OutboxRelay relay(*database_, options(broker.url()), logger_, registry_);
  relay.start();
  const std::string series = "outbox_backlog{stream=\"" + stream_ + "\"} 2";
  EXPECT_TRUE(eventually([&] { return registry_.render().find(series) != std::string::npos; }))
      << registry_.render();
}

TEST_P(OutboxTest, WritersAreNeverBlockedWhileTheRelayWaitsOnAHangingRedis) {
  // A Redis that accepts the connection and never answers: the relay's XADD waits for its
  // command timeout. The service's writers must not wait with it (on SQLite the relay
  // used to hold the only write lock across the XADD).
  platform::testing::SilentServer hanging;
  RelayOptions o = options(hanging.url());
  o.redis.command_timeout = 3s;
  ASSERT_TRUE(append({numbered_event(0)}).has_value());
  OutboxRelay relay(*database_, o, logger_, registry_);
  relay.start();
  ASSERT_TRUE(hanging.wait_for_received("XADD", 10s));  // the relay is stuck in its XADD now
  const auto stuck_since = std::chrono::steady_clock::now();

  const auto slowest = slowest_of_twenty_writes(relay);
  // Every write happened while the XADD was still waiting (it gives up after 3 s).
  EXPECT_LT(std::chrono::steady_clock::now() - stuck_since, 3s);
  EXPECT_LT(slowest, 300ms) << "a write waited on the relay";
  // stop() waits for the XADD under way, then publishes nothing more: the broker did not
  // answer, so it is not asked again round after round (the 21 rows would allow two).
  const auto stopping = std::chrono::steady_clock::now();
  relay.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, o.redis.command_timeout + 2s);
  EXPECT_EQ(hanging.received_count("XADD"), 1U);
  EXPECT_EQ(count_rows("published_at IS NULL"), 21);
}

TEST_P(OutboxTest, WritersAreNeverBlockedWhileRedisIsUnreachable) {
  platform::testing::RedisServer broker;
  broker.stop();  // connections are refused
  ASSERT_TRUE(append({numbered_event(0)}).has_value());
  OutboxRelay relay(*database_, options(broker.url()), logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] {
    return registry_.counter("outbox_publish_failures_total", "", {{"stream", stream_}}).value() >=
           2;
  }));
  const auto slowest = slowest_of_twenty_writes(relay);
  EXPECT_LT(slowest, 300ms) << "a write waited on the relay";
  EXPECT_FALSE(relay.broker_reachable());
  relay.stop();
  EXPECT_EQ(count_rows("published_at IS NULL"), 21);
}

TEST_P(OutboxTest, ASecondRelaySkipsWhileTheFirstHoldsTheLeaseAndTakesOverWhenItStops) {
  auto second_database = open_migrated(test_database_.url());  // another replica's pool
  ASSERT_TRUE(second_database);
  RelayOptions first_options = options();
  first_options.holder = "replica-a";
  RelayOptions second_options = options();
  second_options.holder = "replica-b";
  auto holder = [&] {
    auto read =
        database_->read<std::string>([&](db::Session& session) -> core::Result<std::string> {
          std::string name;
          session.sql() << "SELECT holder FROM outbox_relay_leases WHERE stream = :stream",
              soci::into(name), soci::use(stream_);
          return name;
        });
    return read ? *read : std::string();
  };
  std::vector<std::string> appended;
  auto append_numbered = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const Event event = numbered_event(i);
      ASSERT_TRUE(append({event}).has_value());
      appended.push_back(event.id);
    }
  };

  auto first = std::make_unique<OutboxRelay>(*database_, first_options, logger_, registry_);
  first->start();
  append_numbered(0, 5);
  first->notify();
  ASSERT_TRUE(eventually([&] { return ids_on(*redis_, stream_).size() == 5; }));
  EXPECT_EQ(holder(), "replica-a");

  metrics::Registry second_registry;
  OutboxRelay second(*second_database, second_options, logger_, second_registry);
  second.start();
  append_numbered(5, 10);
  second.notify();  // the lease is replica-a's: only replica-a publishes these
  ASSERT_TRUE(eventually([&] { return ids_on(*redis_, stream_).size() == 10; }));
  EXPECT_EQ(holder(), "replica-a");

  first.reset();  // a graceful stop gives the lease up
  append_numbered(10, 15);
  second.notify();
  ASSERT_TRUE(eventually([&] { return ids_on(*redis_, stream_).size() == 15; }));
  EXPECT_EQ(holder(), "replica-b");
  second.stop();
  EXPECT_EQ(ids_on(*redis_, stream_), appended);  // each once, in commit order
  auto published_by = [](metrics::Registry& registry) {
    return registry.counter("events_published_total", "", {{"type", "subject.updated.v1"}}).value();
  };
  EXPECT_EQ(published_by(registry_), 10);
  EXPECT_EQ(published_by(second_registry), 5);
}

TEST_P(OutboxTest, ACrashedHoldersLeaseKeepsOthersOffTheStreamUntilItRunsOut) {
  execute("INSERT INTO outbox_relay_leases (stream, holder, expires_at) VALUES ('" + stream_ +
          "', 'crashed-replica', 99999999999999)");
  ASSERT_TRUE(append({numbered_event(1)}).has_value());
  OutboxRelay relay(*database_, options(), logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] { return relay.broker_reachable(); }));
  relay.notify();
  std::this_thread::sleep_for(300ms);  // six sweeps: none may publish
  EXPECT_TRUE(ids_on(*redis_, stream_).empty());

  execute("UPDATE outbox_relay_leases SET expires_at = 0 WHERE stream = '" + stream_ + "'");
  relay.notify();
  ASSERT_TRUE(eventually([&] { return ids_on(*redis_, stream_).size() == 1; }));
  relay.stop();
  EXPECT_EQ(count_rows("published_at IS NULL"), 0);
}

// A replica that stops while another holds the stream's lease leaves the rows to the
// holder: stop() publishes nothing, and does not wait for the lease.
TEST_P(OutboxTest, StopUnderAnotherReplicasLeasePublishesNothing) {
  execute("INSERT INTO outbox_relay_leases (stream, holder, expires_at) VALUES ('" + stream_ +
          "', 'other-replica', 99999999999999)");
  OutboxRelay relay(*database_, options(), logger_, registry_);
  relay.start();
  ASSERT_TRUE(eventually([&] { return relay.broker_reachable(); }));
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(append({numbered_event(i)}).has_value());
  const auto stopping = std::chrono::steady_clock::now();
  relay.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, options().stop_budget);
  EXPECT_TRUE(ids_on(*redis_, stream_).empty());
  EXPECT_EQ(count_rows("published_at IS NULL"), 40);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

// Two replicas of a service on one PostgreSQL database: the lease lets one publish at a
// time, so every event goes out once and the stream keeps seq order.
TEST(OutboxRelayReplicas, TwoRelaysOnOnePostgresqlDatabasePublishEachEventOnceInOrder) {
  TestDatabase test_database(TestBackend::kPostgresql);
  auto writer = open_migrated(test_database.url());
  auto replica_a = open_migrated(test_database.url());
  auto replica_b = open_migrated(test_database.url());
  ASSERT_TRUE(writer && replica_a && replica_b);
  const std::string stream = unique_name("test.replicas");
  logging::Logger logger("events-test", "events-test-1", logging::Level::kWarn,
                         [](std::string_view) {});
  metrics::Registry registry_a, registry_b;
  const RelayOptions options{.stream = stream,
                             .redis = {.url = platform::testing::redis_server_url()},
                             .batch_size = 8,
                             .sweep_interval = 20ms,
                             .max_backoff = 100ms};
  OutboxRelay relay_a(*replica_a, options, logger, registry_a);
  OutboxRelay relay_b(*replica_b, options, logger, registry_b);
  relay_a.start();
  relay_b.start();

  std::vector<std::string> appended;
  for (int i = 0; i < 300; ++i) {
    const Event event = numbered_event(i, "subject-" + std::to_string(i % 5));
    auto committed = writer->transaction<void>(
        [&](db::Session& session) { return append_to_outbox(session, stream, event); });
    ASSERT_TRUE(committed.has_value()) << committed.error().log_detail();
    appended.push_back(event.id);
    (i % 2 == 0 ? relay_a : relay_b).notify();
  }
  auto reader = RedisConnection::connect({.url = platform::testing::redis_server_url()});
  ASSERT_TRUE(reader.has_value());
  ASSERT_TRUE(eventually([&] { return ids_on(**reader, stream).size() >= 300; }));
  std::this_thread::sleep_for(200ms);
  relay_a.stop();
  relay_b.stop();
  EXPECT_EQ(ids_on(**reader, stream), appended);
  const auto status = outbox_status(*writer);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->backlog, 0u);
}

}  // namespace
}  // namespace platform::events
