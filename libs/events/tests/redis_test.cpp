#include "platform/events/redis.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "platform/testing/redis.h"

namespace platform::events {
namespace {

using namespace std::chrono_literals;
using platform::testing::redis_server_url;
using platform::testing::unique_name;

std::unique_ptr<RedisConnection> connect_to(const std::string& url) {
  auto connection = RedisConnection::connect({.url = url});
  if (!connection) {
    ADD_FAILURE() << "cannot connect to " << url << ": " << connection.error().log_detail();
    return nullptr;
  }
  return std::move(*connection);
}

class RedisConnectionTest : public ::testing::Test {
 protected:
  std::unique_ptr<RedisConnection> redis_ = connect_to(redis_server_url());
  std::string stream_ = unique_name("test.events");
  std::string group_ = unique_name("group");
};

TEST_F(RedisConnectionTest, AnswersPing) {
  ASSERT_TRUE(redis_);
  EXPECT_TRUE(redis_->ping().has_value());
}

TEST_F(RedisConnectionTest, XaddAppendsEntriesThatXrangeReadsBackBinarySafe) {
  ASSERT_TRUE(redis_);
  // Spaces, quotes, newlines and a NUL byte: arguments are passed, never formatted.
  const std::string awkward = std::string("a \"quoted\" value\r\nwith %s and \0 nul", 33);
  const auto first = redis_->xadd(stream_, {{"event", awkward}, {"type", "a.b.v1"}});
  ASSERT_TRUE(first.has_value()) << first.error().log_detail();
  const auto second = redis_->xadd(stream_, {{"event", "{}"}});
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*first, *second);

  const auto entries = redis_->xrange(stream_, "-", "+", 10);
  ASSERT_TRUE(entries.has_value()) << entries.error().log_detail();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].id, *first);
  EXPECT_EQ((*entries)[0].field("event"), awkward);
  EXPECT_EQ((*entries)[0].field("type"), "a.b.v1");
  EXPECT_EQ((*entries)[0].field("missing"), std::nullopt);
  EXPECT_EQ((*entries)[1].id, *second);

  const auto length = redis_->xlen(stream_);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(*length, 2u);
}

TEST_F(RedisConnectionTest, XaddManyPipelinesEntriesInOrder) {
  ASSERT_TRUE(redis_);
  std::vector<StreamFields> batch;
  for (int i = 0; i < 500; ++i) batch.push_back({{"n", std::to_string(i)}});
  const auto ids = redis_->xadd_many(stream_, batch);
  ASSERT_TRUE(ids.has_value()) << ids.error().log_detail();
  ASSERT_EQ(ids->size(), 500u);

  const auto entries = redis_->xrange(stream_, "-", "+", 1000);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 500u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ((*entries)[i].id, (*ids)[i]);
    EXPECT_EQ((*entries)[i].field("n"), std::to_string(i));
  }
  const auto none = redis_->xadd_many(stream_, {});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_F(RedisConnectionTest, XaddManyReportsAnErrorReplyAndKeepsTheConnectionInStep) {
  ASSERT_TRUE(redis_);
  // A plain string key makes every XADD on it fail with WRONGTYPE; our API cannot write
  // one, redis-cli can.
  const std::string not_a_stream = unique_name("test.string");
  const std::string command =
      "redis-cli -u " + redis_server_url() + " SET " + not_a_stream + " x > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);

  const auto failed = redis_->xadd_many(not_a_stream, {{{"n", "1"}}, {{"n", "2"}}, {{"n", "3"}}});
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), core::ErrorCode::kInternal);
  EXPECT_NE(failed.error().log_detail().find("WRONGTYPE"), std::string::npos);
  // All three replies were read: the next command gets its own reply, not a stale one.
  const auto id = redis_->xadd(stream_, {{"n", "after"}});
  ASSERT_TRUE(id.has_value()) << id.error().log_detail();
  EXPECT_EQ(*redis_->xlen(stream_), 1u);
}

TEST_F(RedisConnectionTest, EnsureGroupIsIdempotentAndCreatesTheStream) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true).has_value());
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true).has_value());
  const auto length = redis_->xlen(stream_);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(*length, 0u);
}

TEST_F(RedisConnectionTest, GroupCreatedAtTheEndSkipsEarlierEntries) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->xadd(stream_, {{"n", "old"}}).has_value());
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, false).has_value());
  ASSERT_TRUE(redis_->xadd(stream_, {{"n", "new"}}).has_value());
  const auto read = redis_->xreadgroup(stream_, group_, "c1", 10, 0ms, ">");
  ASSERT_TRUE(read.has_value()) << read.error().log_detail();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].field("n"), "new");
}

TEST_F(RedisConnectionTest, XreadgroupDeliversNewEntriesThenPendingOnesUntilAcknowledged) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true).has_value());
  const auto id = redis_->xadd(stream_, {{"event", "e1"}});
  ASSERT_TRUE(id.has_value());

  const auto fresh = redis_->xreadgroup(stream_, group_, "c1", 10, 100ms, ">");
  ASSERT_TRUE(fresh.has_value()) << fresh.error().log_detail();
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_EQ((*fresh)[0].id, *id);
  EXPECT_EQ((*fresh)[0].field("event"), "e1");

  const auto pending = redis_->xreadgroup(stream_, group_, "c1", 10, 0ms, "0");
  ASSERT_TRUE(pending.has_value());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, *id);

  const auto times = redis_->deliveries(stream_, group_, *id);
  ASSERT_TRUE(times.has_value()) << times.error().log_detail();
  EXPECT_EQ(*times, 2u);  // delivered, then re-read from the pending list

  ASSERT_TRUE(redis_->xack(stream_, group_, *id).has_value());
  const auto after_ack = redis_->xreadgroup(stream_, group_, "c1", 10, 0ms, "0");
  ASSERT_TRUE(after_ack.has_value());
  EXPECT_TRUE(after_ack->empty());
  const auto acknowledged = redis_->deliveries(stream_, group_, *id);
  ASSERT_TRUE(acknowledged.has_value());
  EXPECT_EQ(*acknowledged, 0u);
}

TEST_F(RedisConnectionTest, XreadgroupReturnsEmptyWhenTheBlockTimesOut) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true).has_value());
  const auto started = std::chrono::steady_clock::now();
  const auto read = redis_->xreadgroup(stream_, group_, "c1", 10, 200ms, ">");
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(read.has_value()) << read.error().log_detail();
  EXPECT_TRUE(read->empty());
  EXPECT_GE(waited, 150ms);
}

TEST_F(RedisConnectionTest, XreadgroupMayBlockLongerThanTheCommandTimeout) {
  auto short_timeout =
      RedisConnection::connect({.url = redis_server_url(), .command_timeout = 100ms});
  ASSERT_TRUE(short_timeout.has_value());
  ASSERT_TRUE((*short_timeout)->ensure_group(stream_, group_, true).has_value());
  const auto read = (*short_timeout)->xreadgroup(stream_, group_, "c1", 10, 300ms, ">");
  ASSERT_TRUE(read.has_value()) << read.error().log_detail();
  EXPECT_TRUE(read->empty());
  EXPECT_TRUE((*short_timeout)->ping().has_value());
}

TEST_F(RedisConnectionTest, XreadgroupOnAMissingGroupIsNotFound) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->xadd(stream_, {{"n", "1"}}).has_value());
  const auto read = redis_->xreadgroup(stream_, "no-such-group", "c1", 10, 0ms, ">");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), core::ErrorCode::kNotFound);
  EXPECT_TRUE(redis_->ping().has_value());
}

TEST_F(RedisConnectionTest, XautoclaimMovesIdleEntriesToAnotherConsumerWithDeliveryCounts) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true).has_value());
  const auto kept = redis_->xadd(stream_, {{"n", "1"}});
  const auto deleted = redis_->xadd(stream_, {{"n", "2"}});
  ASSERT_TRUE(kept && deleted);
  const auto read = redis_->xreadgroup(stream_, group_, "dead", 10, 0ms, ">");
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->size(), 2u);
  // An entry deleted while pending is dropped from the claim, not returned as a hole.
  ASSERT_TRUE(redis_->xdel(stream_, *deleted).has_value());

  const auto too_fresh = redis_->xautoclaim(stream_, group_, "live", 60s, 10);
  ASSERT_TRUE(too_fresh.has_value()) << too_fresh.error().log_detail();
  EXPECT_TRUE(too_fresh->empty());

  std::this_thread::sleep_for(20ms);
  const auto claimed = redis_->xautoclaim(stream_, group_, "live", 10ms, 10);
  ASSERT_TRUE(claimed.has_value()) << claimed.error().log_detail();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, *kept);
  EXPECT_EQ((*claimed)[0].field("n"), "1");
  EXPECT_EQ((*claimed)[0].deliveries, 2u);

  const auto mine = redis_->xreadgroup(stream_, group_, "live", 10, 0ms, "0");
  ASSERT_TRUE(mine.has_value());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].id, *kept);
}

TEST_F(RedisConnectionTest, XdelRemovesAnEntry) {
  ASSERT_TRUE(redis_);
  const auto id = redis_->xadd(stream_, {{"n", "1"}});
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(redis_->xdel(stream_, *id).has_value());
  const auto length = redis_->xlen(stream_);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(*length, 0u);
  EXPECT_TRUE(redis_->xdel(stream_, *id).has_value());  // gone already: still fine
}

TEST_F(RedisConnectionTest, GroupLagCountsEntriesNotYetDelivered) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true).has_value());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(redis_->xadd(stream_, {{"n", "x"}}).has_value());
  const auto lag = redis_->group_lag(stream_, group_);
  ASSERT_TRUE(lag.has_value()) << lag.error().log_detail();
  EXPECT_EQ(*lag, std::optional<std::uint64_t>(3));

  ASSERT_TRUE(redis_->xreadgroup(stream_, group_, "c1", 2, 0ms, ">").has_value());
  const auto later = redis_->group_lag(stream_, group_);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(*later, std::optional<std::uint64_t>(1));

  const auto unknown_group = redis_->group_lag(stream_, "no-such-group");
  ASSERT_FALSE(unknown_group.has_value());
  EXPECT_EQ(unknown_group.error().code(), core::ErrorCode::kNotFound);
  const auto unknown_stream = redis_->group_lag(unique_name("missing"), group_);
  ASSERT_FALSE(unknown_stream.has_value());
  EXPECT_EQ(unknown_stream.error().code(), core::ErrorCode::kNotFound);
}

TEST(RedisConnectionUrl, RejectsMalformedUrls) {
  for (const char* url : {"http://127.0.0.1:6379", "redis://", "redis://host:port",
                          "redis://host:70000", "redis://host:6379/db", "redis://[::1"}) {
    const auto connection = RedisConnection::connect({.url = url});
    ASSERT_FALSE(connection.has_value()) << url;
    EXPECT_EQ(connection.error().code(), core::ErrorCode::kInvalidArgument) << url;
  }
}

TEST(RedisConnectionUrl, SelectsTheDatabaseNamedInThePath) {
  auto in_db_3 = RedisConnection::connect({.url = redis_server_url() + "/3"});
  ASSERT_TRUE(in_db_3.has_value()) << in_db_3.error().log_detail();
  auto in_db_0 = connect_to(redis_server_url());
  ASSERT_TRUE(in_db_0);
  const std::string stream = unique_name("test.db");
  ASSERT_TRUE((*in_db_3)->xadd(stream, {{"n", "1"}}).has_value());
  EXPECT_EQ(*(*in_db_3)->xlen(stream), 1u);
  EXPECT_EQ(*in_db_0->xlen(stream), 0u);
}

TEST(RedisConnectionUrl, AuthenticatesWithThePasswordFromTheUrl) {
  auto admin = connect_to(redis_server_url());
  ASSERT_TRUE(admin);
  // A wrong password is refused as "broker unavailable", a right one works. The shared
  // server has no password, so only the refusal of AUTH itself can be checked here.
  const std::string base = redis_server_url();
  const std::string with_password =
      "redis://:secret@" + base.substr(std::string("redis://").size());
  const auto connection = RedisConnection::connect({.url = with_password});
  ASSERT_FALSE(connection.has_value());
  EXPECT_NE(connection.error().log_detail().find("AUTH"), std::string::npos)
      << connection.error().log_detail();
}

TEST(RedisConnectionFailure, UnreachablePortIsUnavailableQuickly) {
  platform::testing::RedisServer server;
  const std::string url = server.url();
  server.stop();
  const auto started = std::chrono::steady_clock::now();
  const auto connection = RedisConnection::connect({.url = url});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(connection.has_value());
  EXPECT_EQ(connection.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_LT(took, 1s);
}

TEST(RedisConnectionFailure, ReconnectsOnTheNextCallAfterTheServerRestarts) {
  platform::testing::RedisServer server;
  auto redis = connect_to(server.url());
  ASSERT_TRUE(redis);
  ASSERT_TRUE(redis->xadd("s", {{"n", "1"}}).has_value());

  server.stop();
  const auto down = redis->xadd("s", {{"n", "2"}});
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code(), core::ErrorCode::kUnavailable);
  const auto still_down = redis->ping();
  ASSERT_FALSE(still_down.has_value());
  EXPECT_EQ(still_down.error().code(), core::ErrorCode::kUnavailable);

  server.start();
  const auto back = redis->xadd("s", {{"n", "3"}});
  ASSERT_TRUE(back.has_value()) << back.error().log_detail();
  EXPECT_EQ(*redis->xlen("s"), 1u);  // nothing is persisted across the restart
}

}  // namespace
}  // namespace platform::events
