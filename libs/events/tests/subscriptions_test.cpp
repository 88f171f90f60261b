// Several subscriptions of one service: one start and stop, independent streams, and
// one readiness check that a paused subscription turns "degraded", not down.
#include "platform/events/subscriptions.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>

#include "platform/db/migrations.h"
#include "platform/events/outbox.h"
#include "platform/http/health.h"
#include "platform/testing/redis.h"
#include "platform/testing/test_database.h"
#include "stream_helpers.h"

namespace platform::events {
namespace {

using core::Error;
using core::Result;
using platform::testing::TestBackend;
using platform::testing::unique_name;
using test::eventually;
using test::publish;
using test::test_event;
using namespace std::chrono_literals;

class SubscriptionsTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    auto opened = db::Database::open({.url = database_.url(), .pool_size = 6});
    ASSERT_TRUE(opened) << opened.error().log_detail();
    db_ = std::move(opened).value();
    ASSERT_TRUE(db::migrate(*db_, migration_files()));
    ASSERT_TRUE(db_->transaction<void>([](db::Session& s) -> Result<void> {
      s.sql() << "CREATE TABLE applied (event_id TEXT NOT NULL, stream TEXT NOT NULL)";
      return core::ok();
    }));
    auto connected = RedisConnection::connect({.url = platform::testing::redis_server_url()});
    ASSERT_TRUE(connected);
    redis_ = std::move(connected).value();
  }

  ConsumerOptions shared() const {
    return {.group = group_,
            .consumer = "instance-1",
            .redis = {.url = platform::testing::redis_server_url()},
            .batch_size = 10,
            .block = 100ms,
            .max_attempts = 3,
            .initial_backoff = 5ms,
            .max_backoff = 20ms,
            .max_transient_retries = 1,
            .pause_duration = 1h,
            .claim_idle = 1s};
  }

  EventHandler applying(const std::string& stream) {
    return [stream](const Event& event, db::Session& s) -> Result<void> {
      s.sql() << "INSERT INTO applied (event_id, stream) VALUES (:id, :stream)",
          soci::use(event.id), soci::use(stream);
      return core::ok();
    };
  }

  long long applied(const std::string& stream) {
    long long n = -1;
    EXPECT_TRUE(db_->read<void>([&](db::Session& s) -> Result<void> {
      s.sql() << "SELECT COUNT(*) FROM applied WHERE stream = :stream", soci::into(n),
          soci::use(stream);
      return core::ok();
    }));
    return n;
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<RedisConnection> redis_;
  std::string subjects_ = unique_name("events.subject");
  std::string files_ = unique_name("events.file");
  std::string group_ = unique_name("syllabus-service");
  logging::Logger logger_{"events-test", "test-1", logging::Level::kWarn, [](std::string_view) {}};
  metrics::Registry registry_;
};

TEST_P(SubscriptionsTest, StartsStopsAndChecksSeveralStreamsTogether) {
  Subscriptions subscriptions(*db_, shared(), logger_, registry_);
  Consumer& subjects = subscriptions.subscribe(subjects_);
  subjects.on("subject.created", 1, applying(subjects_))
      .on("subject.deleted", 1, applying(subjects_));
  EXPECT_EQ(&subscriptions.subscribe(subjects_), &subjects);  // one per stream and group
  subscriptions.subscribe(files_).on("file.uploaded", 1, applying(files_));
  EXPECT_FALSE(subscriptions.readiness());  // not started

  subscriptions.start();
  publish(*redis_, subjects_, test_event("subject.created.v1"));
  publish(*redis_, subjects_, test_event("subject.deleted.v1"));
  publish(*redis_, files_, test_event("file.uploaded.v1"));
  ASSERT_TRUE(eventually([&] { return applied(subjects_) == 2 && applied(files_) == 1; }));
  EXPECT_TRUE(eventually([&] { return subscriptions.readiness().has_value(); }));

  const auto statuses = subscriptions.status();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].stream, subjects_);
  EXPECT_EQ(statuses[1].stream, files_);
  for (const auto& status : statuses) {
    EXPECT_EQ(status.group, group_);
    EXPECT_EQ(status.consumer.state, ConsumerStatus::State::kRunning);
  }

  subscriptions.stop();
  for (const auto& status : subscriptions.status())
    EXPECT_EQ(status.consumer.state, ConsumerStatus::State::kStopped);
  const auto stopped = subscriptions.readiness();
  ASSERT_FALSE(stopped);
  EXPECT_NE(stopped.error().detail().find("stopped"), std::string::npos);
}

TEST_P(SubscriptionsTest, APausedSubscriptionMakesTheServiceDegradedNotDown) {
  Subscriptions subscriptions(*db_, shared(), logger_, registry_);
  subscriptions.subscribe(subjects_).on("subject.created", 1, applying(subjects_));
  subscriptions.subscribe(files_).on("file.uploaded", 1, [](const Event&, db::Session&) {
    return Result<void>(Error::unavailable("the file store is down"));
  });
  http::Health health;
  health.add_check(
      "events", [&] { return subscriptions.readiness(); }, /*critical=*/false);
  subscriptions.start();

  publish(*redis_, files_, test_event("file.uploaded.v1"));
  ASSERT_TRUE(eventually(
      [&] { return subscriptions.status()[1].consumer.state == ConsumerStatus::State::kPaused; }));
  // The other subscription goes on.
  publish(*redis_, subjects_, test_event("subject.created.v1"));
  ASSERT_TRUE(eventually([&] { return applied(subjects_) == 1; }));

  const auto readiness = subscriptions.readiness();
  ASSERT_FALSE(readiness);
  EXPECT_EQ(readiness.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(readiness.error().detail().find(files_), std::string::npos);
  EXPECT_NE(readiness.error().detail().find("paused"), std::string::npos);
  EXPECT_NE(readiness.error().detail().find("the file store is down"), std::string::npos);
  EXPECT_EQ(readiness.error().detail().find(subjects_), std::string::npos);

  const http::Response answer = health.readiness();
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(answer.body.find(R"("status":"degraded")"), std::string::npos) << answer.body;

  const auto stopping = std::chrono::steady_clock::now();
  subscriptions.stop();  // while paused: promptly
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 2s);
}

TEST_P(SubscriptionsTest, ASubscriptionAddedAfterStartStartsAtOnce) {
  Subscriptions subscriptions(*db_, shared(), logger_, registry_);
  subscriptions.subscribe(subjects_).on("subject.created", 1, applying(subjects_));
  subscriptions.start();
  subscriptions.subscribe(files_).on("file.uploaded", 1, applying(files_));
  publish(*redis_, files_, test_event("file.uploaded.v1"));
  ASSERT_TRUE(eventually([&] { return applied(files_) == 1; }));
  subscriptions.stop();
}

INSTANTIATE_TEST_SUITE_P(Backends, SubscriptionsTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace platform::events
