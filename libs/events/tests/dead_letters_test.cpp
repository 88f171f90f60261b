// Listing and replaying dead letters, in the library and through the sylevents command.
#include <gtest/gtest.h>

#include "platform/db/migrations.h"
#include "platform/events/consumer.h"
#include "platform/events/outbox.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "stream_helpers.h"

namespace platform::events {
namespace {

using test::test_event;

class DeadLetterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = platform::testing::redis_server_url();
    auto connected = RedisConnection::connect({.url = url_});
    ASSERT_TRUE(connected) << connected.error().detail();
    redis_ = std::move(connected).value();
  }

  // A dead letter as the consumer writes it.
  std::string add_dead_letter(const Event& event, const std::string& error, int attempts = 5) {
    auto id =
        redis_->xadd(dead_letter_stream(stream_), {{"event", to_json(event)},
                                                   {"error", error},
                                                   {"attempts", std::to_string(attempts)},
                                                   {"group", "group-1"},
                                                   {"failed_at", "2026-11-24T20:01:28.123456Z"},
                                                   {"original_id", "1-0"},
                                                   {"type", event.type},
                                                   {"id", event.id}});
    EXPECT_TRUE(id);
    return id ? *id : std::string();
  }

  std::uint64_t length(const std::string& stream) {
    auto n = redis_->xlen(stream);
    EXPECT_TRUE(n);
    return n ? *n : 0;
  }

  std::string url_;
  std::unique_ptr<RedisConnection> redis_;
  std::string stream_ = platform::testing::unique_name("events.test");
};

TEST(DeadLetterStream, AppendsDlqToTheStreamName) {
  EXPECT_EQ(dead_letter_stream("events.subject"), "events.subject.dlq");
}

TEST_F(DeadLetterTest, ListsDeadLettersOldestFirstUpToTheLimit) {
  const Event first = test_event("thing.happened.v1");
  const Event second = test_event("thing.happened.v2");
  const std::string first_id = add_dead_letter(first, "boom", 3);
  add_dead_letter(second, "bang");
  add_dead_letter(test_event("thing.happened.v1"), "third");

  auto letters = list_dead_letters(*redis_, stream_, 2);
  ASSERT_TRUE(letters) << letters.error().detail();
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ(letters->at(0).id, first_id);
  EXPECT_EQ(letters->at(0).event, first);
  EXPECT_EQ(letters->at(0).error, "boom");
  EXPECT_EQ(letters->at(0).attempts, 3);
  EXPECT_EQ(letters->at(0).group, "group-1");
  EXPECT_EQ(letters->at(0).failed_at, "2026-11-24T20:01:28.123456Z");
  EXPECT_EQ(letters->at(0).original_id, "1-0");
  EXPECT_EQ(letters->at(1).event, second);

  auto all = list_dead_letters(*redis_, stream_, 1000);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
  auto none = list_dead_letters(*redis_, platform::testing::unique_name("events.none"), 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(DeadLetterTest, ReplaysOneByIdAsTheRelayWouldPublishIt) {
  const Event event = test_event("thing.happened.v1");
  const std::string id = add_dead_letter(event, "boom");
  add_dead_letter(test_event("thing.happened.v1"), "other");

  auto replayed = replay_dead_letters(*redis_, stream_, id);
  ASSERT_TRUE(replayed) << replayed.error().detail();
  EXPECT_EQ(*replayed, 1u);
  EXPECT_EQ(length(dead_letter_stream(stream_)), 1u);
  auto entries = redis_->xrange(stream_, "-", "+", 10);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(entries->front().fields, test::relay_fields(event));
}

TEST_F(DeadLetterTest, ReplaysAll) {
  for (int i = 0; i < 3; ++i) add_dead_letter(test_event("thing.happened.v1"), "boom");
  auto replayed = replay_dead_letters(*redis_, stream_, "all");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(*replayed, 3u);
  EXPECT_EQ(length(dead_letter_stream(stream_)), 0u);
  EXPECT_EQ(length(stream_), 3u);

  auto again = replay_dead_letters(*redis_, stream_, "all");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
}

TEST_F(DeadLetterTest, RefusesUnknownAndMalformedIds) {
  add_dead_letter(test_event("thing.happened.v1"), "boom");
  auto unknown = replay_dead_letters(*redis_, stream_, "1-0");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), core::ErrorCode::kNotFound);
  auto malformed = replay_dead_letters(*redis_, stream_, "yesterday");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(length(dead_letter_stream(stream_)), 1u);
}

// --- the sylevents command -------------------------------------------------------------

class SyleventsCli : public DeadLetterTest {
 protected:
  platform::testing::ProcessResult sylevents(const std::vector<std::string>& args) {
    return platform::testing::run_process(SYLEVENTS_BINARY, {{"SYL_REDIS_URL", url_}}, args);
  }
};

TEST_F(SyleventsCli, ListsDeadLetters) {
  const Event event = test_event("thing.happened.v1");
  const std::string id = add_dead_letter(event, "boom: cannot apply", 4);

  auto listed = sylevents({"dlq", "list", "--stream", stream_});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find(id), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find(event.id), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("attempts=4"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("boom: cannot apply"), std::string::npos) << listed.output;

  auto json = sylevents({"dlq", "list", "--stream", stream_, "--json", "--limit", "5"});
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(json.output.find("\"event_id\":\"" + event.id + "\""), std::string::npos)
      << json.output;
  EXPECT_NE(json.output.find("\"attempts\":4"), std::string::npos) << json.output;
}

TEST_F(SyleventsCli, ReplaysAllDeadLetters) {
  add_dead_letter(test_event("thing.happened.v1"), "boom");
  add_dead_letter(test_event("thing.happened.v1"), "boom");
  auto replayed = sylevents({"dlq", "replay", "--stream", stream_, "--all"});
  EXPECT_EQ(replayed.exit_code, 0) << replayed.output;
  EXPECT_NE(replayed.output.find("replayed 2"), std::string::npos) << replayed.output;
  EXPECT_EQ(length(dead_letter_stream(stream_)), 0u);
  EXPECT_EQ(length(stream_), 2u);

  auto info = sylevents({"stream", "info", "--stream", stream_, "--json"});
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("\"length\":2"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("\"dead_letters\":0"), std::string::npos) << info.output;
}

TEST_F(SyleventsCli, ExitsTwoOnBadUsage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"dlq"},
           {"dlq", "explode", "--stream", "s"},
           {"dlq", "list"},
           {"dlq", "list", "--stream", "s", "--limit", "many"},
           {"dlq", "list", "--stream", "s", "--bogus"},
           {"dlq", "replay", "--stream", "s"},
           {"dlq", "replay", "--stream", "s", "--all", "--id", "1-0"},
           {"outbox", "status"}}) {
    auto result = sylevents(args);
    EXPECT_EQ(result.exit_code, 2) << ::testing::PrintToString(args) << result.output;
    EXPECT_NE(result.output.find("usage:"), std::string::npos) << result.output;
  }
}

TEST_F(SyleventsCli, ExitsOneWhenRedisIsUnreachable) {
  auto result = sylevents({"dlq", "list", "--stream", stream_, "--redis", "redis://127.0.0.1:1"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("cannot connect"), std::string::npos) << result.output;
}

TEST_F(SyleventsCli, ReportsTheOutboxStatus) {
  platform::testing::TemporaryDirectory directory;
  const std::string url = "sqlite://" + (directory.path() / "outbox.db").string();
  {
    auto database = db::Database::open({.url = url});
    ASSERT_TRUE(database);
    ASSERT_TRUE(db::migrate(**database, migration_files()));
  }
  auto status = sylevents({"outbox", "status", "--database", url, "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("\"backlog\":0"), std::string::npos) << status.output;
}

}  // namespace
}  // namespace platform::events
