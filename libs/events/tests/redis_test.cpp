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

TEST_F(RedisConnectionTest, XclaimIdsKeepsEntriesInHandWithoutCountingADelivery) {
  ASSERT_TRUE(redis_);
  ASSERT_TRUE(redis_->ensure_group(stream_, group_, true).has_value());
  const auto kept = redis_->xadd(stream_, {{"n", "1"}});
  const auto acknowledged = redis_->xadd(stream_, {{"n", "2"}});
  ASSERT_TRUE(kept && acknowledged);
  ASSERT_TRUE(redis_->xreadgroup(stream_, group_, "worker", 10, 0ms, ">").has_value());
  ASSERT_TRUE(redis_->xack(stream_, group_, *acknowledged).has_value());

  std::this_thread::sleep_for(60ms);  // both idle for longer than the claim below allows
  const auto held = redis_->xclaim_ids(stream_, group_, "worker", 0ms, {*kept, *acknowledged});
  ASSERT_TRUE(held.has_value()) << held.error().log_detail();
  EXPECT_EQ(*held, std::vector<std::string>{*kept});  // the acknowledged one is not pending

  // Its idle time starts again: another consumer's claim finds nothing to take.
  const auto stolen = redis_->xautoclaim(stream_, group_, "thief", 50ms, 10);
  ASSERT_TRUE(stolen.has_value()) << stolen.error().log_detail();
  EXPECT_TRUE(stolen->empty());
  const auto times = redis_->deliveries(stream_, group_, *kept);
  ASSERT_TRUE(times.has_value());
  EXPECT_EQ(*times, 1u);
  const auto none = redis_->xclaim_ids(stream_, group_, "worker", 0ms, {});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_F(RedisConnectionTest, SetGetAndDelRoundTripAValue) {
  ASSERT_TRUE(redis_);
  const std::string key = unique_name("test.key");
  const auto missing = redis_->get(key);
  ASSERT_TRUE(missing.has_value()) << missing.error().log_detail();
  EXPECT_EQ(*missing, std::nullopt);

  const std::string binary("a\0b \"c\"\r\n", 9);
  const auto stored = redis_->set(key, binary);
  ASSERT_TRUE(stored.has_value()) << stored.error().log_detail();
  EXPECT_TRUE(*stored);
  EXPECT_EQ(*redis_->get(key), std::optional<std::string>(binary));

  const auto deleted = redis_->del({key, unique_name("test.never")});
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 1u);
  EXPECT_EQ(*redis_->get(key), std::nullopt);
  EXPECT_EQ(*redis_->del({}), 0u);
}

TEST_F(RedisConnectionTest, SetOnlyIfAbsentKeepsTheFirstValue) {
  ASSERT_TRUE(redis_);
  const std::string key = unique_name("test.lock");
  const auto first = redis_->set(key, "holder-a", {.only_if_absent = true});
  ASSERT_TRUE(first.has_value()) << first.error().log_detail();
  EXPECT_TRUE(*first);
  const auto second = redis_->set(key, "holder-b", {.only_if_absent = true});
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(*second);
  EXPECT_EQ(*redis_->get(key), std::optional<std::string>("holder-a"));
}

TEST_F(RedisConnectionTest, SetWithAnExpiryAndPexpireMakeKeysVanish) {
  ASSERT_TRUE(redis_);
  const std::string expiring = unique_name("test.px");
  ASSERT_TRUE(redis_->set(expiring, "v", {.expire_after = 30ms}).has_value());
  const std::string counted = unique_name("test.counter");
  ASSERT_TRUE(redis_->incrby(counted, 1).has_value());
  const auto set_ttl = redis_->pexpire(counted, 30ms);
  ASSERT_TRUE(set_ttl.has_value()) << set_ttl.error().log_detail();
  EXPECT_TRUE(*set_ttl);
  const auto on_missing = redis_->pexpire(unique_name("test.missing"), 30ms);
  ASSERT_TRUE(on_missing.has_value());
  EXPECT_FALSE(*on_missing);

  auto present = [&](const std::string& key) {
    const auto value = redis_->get(key);
    return !value || value->has_value();
  };
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline && (present(expiring) || present(counted)))
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(*redis_->get(expiring), std::nullopt);
  EXPECT_EQ(*redis_->get(counted), std::nullopt);
}

TEST_F(RedisConnectionTest, IncrbyCountsFromZeroAndRefusesANonNumber) {
  ASSERT_TRUE(redis_);
  const std::string key = unique_name("test.counter");
  EXPECT_EQ(*redis_->incrby(key, 5), 5);
  EXPECT_EQ(*redis_->incrby(key, -7), -2);
  const std::string text = unique_name("test.text");
  ASSERT_TRUE(redis_->set(text, "not a number").has_value());
  const auto refused = redis_->incrby(text, 1);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), core::ErrorCode::kInternal);
  EXPECT_TRUE(redis_->ping().has_value());  // the connection is still in step
}

TEST(RedisScript, NamesTheScriptByTheSha1OfItsSource) {
  EXPECT_EQ(RedisScript("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  EXPECT_EQ(RedisScript("return 1").source(), "return 1");
}

TEST_F(RedisConnectionTest, ScriptsReturnTypedValues) {
  ASSERT_TRUE(redis_);
  const RedisScript script(R"(return {tonumber(ARGV[1]) + 1, KEYS[1], false, {3, "four"}})");
  const auto value = redis_->evalsha(script, {"key-1"}, {"41"});
  ASSERT_TRUE(value.has_value()) << value.error().log_detail();
  EXPECT_EQ(*value, RedisValue::array(
                        {RedisValue::integer(42), RedisValue::string("key-1"), RedisValue(),
                         RedisValue::array({RedisValue::integer(3), RedisValue::string("four")})}));
  ASSERT_EQ(value->type(), RedisValue::Type::kArray);
  EXPECT_EQ(value->elements()[0].as_integer(), 42);
  EXPECT_EQ(value->elements()[0].as_string(), std::nullopt);
  EXPECT_TRUE(value->elements()[2].is_nil());

  const auto status = redis_->eval("return redis.status_reply('OK')", {}, {});
  ASSERT_TRUE(status.has_value()) << status.error().log_detail();
  EXPECT_EQ(status->as_string(), "OK");
  const auto nothing = redis_->eval("return nil", {}, {});
  ASSERT_TRUE(nothing.has_value());
  EXPECT_TRUE(nothing->is_nil());
}

TEST_F(RedisConnectionTest, AnErrorRaisedByAScriptIsInternal) {
  ASSERT_TRUE(redis_);
  const auto raised = redis_->eval("return redis.error_reply('bucket misconfigured')", {}, {});
  ASSERT_FALSE(raised.has_value());
  EXPECT_EQ(raised.error().code(), core::ErrorCode::kInternal);
  EXPECT_NE(raised.error().log_detail().find("bucket misconfigured"), std::string::npos);
  const auto failed = redis_->evalsha(RedisScript("error('boom')"), {}, {});
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), core::ErrorCode::kInternal);
  EXPECT_TRUE(redis_->ping().has_value());
}

TEST_F(RedisConnectionTest, EvalshaLoadsTheScriptAgainAfterAScriptFlush) {
  ASSERT_TRUE(redis_);
  const std::string key = unique_name("test.bucket");
  const RedisScript take("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(redis_->evalsha(take, {key}, {"2"})->as_integer(), 2);  // loads it on first use
  const std::string flush = "redis-cli -u " + redis_server_url() + " SCRIPT FLUSH > /dev/null";
  ASSERT_EQ(std::system(flush.c_str()), 0);
  const auto after_flush = redis_->evalsha(take, {key}, {"3"});
  ASSERT_TRUE(after_flush.has_value()) << after_flush.error().log_detail();
  EXPECT_EQ(after_flush->as_integer(), 5);
  ASSERT_TRUE(redis_->load_script(take).has_value());
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

TEST(RedisConnectionFailure, KeyAndScriptCommandsReconnectAfterTheServerRestarts) {
  platform::testing::RedisServer server;
  auto redis = connect_to(server.url());
  ASSERT_TRUE(redis);
  const RedisScript take("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  ASSERT_EQ(redis->evalsha(take, {"bucket"}, {"1"})->as_integer(), 1);

  server.stop();
  for (const core::ErrorCode code :
       {redis->incrby("bucket", 1).error().code(), redis->get("bucket").error().code(),
        redis->evalsha(take, {"bucket"}, {"1"}).error().code()})
    EXPECT_EQ(code, core::ErrorCode::kUnavailable);

  server.start();  // empty, and without the script
  const auto reloaded = redis->evalsha(take, {"bucket"}, {"1"});
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().log_detail();
  EXPECT_EQ(reloaded->as_integer(), 1);
  EXPECT_TRUE(*redis->set("k", "v", {.expire_after = 10s, .only_if_absent = true}));
}

}  // namespace
}  // namespace platform::events
