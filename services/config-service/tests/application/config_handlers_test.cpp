#include <gtest/gtest.h>

#include "application/config_diff.h"
#include "application/config_history.h"
#include "application/fake_config_repository.h"
#include "application/get_config.h"
#include "application/put_config.h"
#include "application/put_schema.h"
#include "application/rollback_config.h"

namespace config_service::application {
namespace {

using platform::core::ErrorCode;

class ConfigHandlers : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = domain::SettingSchema::parse(
        R"({"settings":[{"key":"level","type":"enum","values":["debug","info"]},
                        {"key":"pool","type":"integer","min":1,"max":8}]})");
    ASSERT_TRUE(put_schema_.handle({"svc", *schema}));
  }

  platform::core::Result<std::int64_t> put(domain::Settings settings, std::string env = "default",
                                           std::optional<std::int64_t> if_match = std::nullopt) {
    return put_config_.handle({"svc", std::move(env), std::move(settings), "ana", "", if_match});
  }

  FakeConfigRepository repository_;
  Clock clock_ = [] { return platform::core::now_utc(); };
  std::vector<std::pair<std::string, std::int64_t>> notified_;
  ConfigChanged changed_ = [this](const std::string& s, std::int64_t v) {
    notified_.emplace_back(s, v);
  };
  PutSchemaHandler put_schema_{repository_, clock_};
  PutConfigHandler put_config_{repository_, clock_, changed_};
  RollbackHandler rollback_{repository_, clock_, changed_};
  GetConfigHandler get_{repository_};
  HistoryHandler history_{repository_};
  DiffHandler diff_{repository_};
};

TEST_F(ConfigHandlers, OnlyAReaderWithThePlatformTokenSeesSecretSettings) {
  auto schema =
      domain::SettingSchema::parse(R"({"settings":[{"key":"key","secret":true},{"key":"level"}]})");
  ASSERT_TRUE(put_schema_.handle({"vault", *schema}));
  ASSERT_TRUE(put_config_.handle({"vault", "default", {{"level", "a"}}, "ana", "", std::nullopt}));
  ASSERT_TRUE(put_config_.handle({"vault", "default", {{"key", "k"}}, "ana", "", std::nullopt}));
  const Reader anyone;
  const Reader token_holder{.holds_platform_token = true};

  EXPECT_EQ(get_.handle({"vault", "default", anyone}).error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(get_.handle({"vault", "default", token_holder})->settings.at("key"), "k");
  EXPECT_EQ(history_.handle({"vault", "default", 20, anyone}).error().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(history_.handle({"vault", "default", 20, token_holder})->size(), 2u);
  EXPECT_EQ(diff_.handle({"vault", "default", 1, 2, anyone}).error().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(diff_.handle({"vault", "default", 1, 2, token_holder})->size(), 2u);
  // A document without secrets is open to anyone.
  EXPECT_TRUE(get_.handle({"svc", "default", anyone}));
}

TEST_F(ConfigHandlers, PutConfigValidatesCountsAndNotifies) {
  EXPECT_EQ(*put({{"level", "debug"}}), 1);
  EXPECT_EQ(*put({{"pool", "4"}}, "prod"), 2);
  EXPECT_EQ(notified_, (std::vector<std::pair<std::string, std::int64_t>>{{"svc", 1}, {"svc", 2}}));
  auto bad = put({{"level", "loud"}, {"pool", "9"}, {"x", "1"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field_errors().size(), 3u);
  EXPECT_EQ(notified_.size(), 2u);
}

TEST_F(ConfigHandlers, PutConfigNeedsAnAuthorASchemaAndAFreshIfMatch) {
  auto anonymous = put_config_.handle({"svc", "default", {}, "", "", std::nullopt});
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().field_errors().at(0).field, "author");
  EXPECT_EQ(put_config_.handle({"other", "default", {}, "ana", "", std::nullopt}).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(*put({}, "default", 0), 1);
  EXPECT_EQ(put({}, "default", 0).error().code(), ErrorCode::kVersionMismatch);
}

TEST_F(ConfigHandlers, GetConfigMergesTheDefaultAndTheEnvironment) {
  ASSERT_TRUE(put({{"level", "info"}, {"pool", "2"}}));
  ASSERT_TRUE(put({{"pool", "8"}}, "prod"));
  auto view = get_.handle({"svc", "prod"});
  ASSERT_TRUE(view);
  EXPECT_EQ(view->version, 2);
  EXPECT_EQ(view->settings, (domain::Settings{{"level", "info"}, {"pool", "8"}}));
  EXPECT_EQ(get_.handle({"svc", "default"})->settings.at("pool"), "2");
  EXPECT_EQ(get_.handle({"nobody", "default"}).error().code(), ErrorCode::kNotFound);
}

TEST_F(ConfigHandlers, HistoryDiffAndRollbackWorkPerEnvironment) {
  ASSERT_TRUE(put({{"level", "info"}}));
  ASSERT_TRUE(put({{"pool", "3"}}, "prod"));
  ASSERT_TRUE(put({{"level", "debug"}, {"pool", "2"}}));
  auto history = history_.handle({"svc", "default", 10});
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].version, 3);
  EXPECT_EQ((*history)[1].version, 1);
  EXPECT_EQ(history_.handle({"svc", "default", 1})->size(), 1u);
  auto changes = diff_.handle({"svc", "default", 1, 3});
  ASSERT_TRUE(changes);
  EXPECT_EQ(changes->size(), 2u);
  EXPECT_EQ(diff_.handle({"svc", "default", 1, 2}).error().code(), ErrorCode::kNotFound);
  auto rolled = rollback_.handle({"svc", "default", 1, "bo"});
  ASSERT_TRUE(rolled);
  EXPECT_EQ(*rolled, 4);
  EXPECT_EQ(get_.handle({"svc", "default"})->settings, (domain::Settings{{"level", "info"}}));
  EXPECT_EQ(rollback_.handle({"svc", "default", 2, "bo"}).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(rollback_.handle({"svc", "default", 1, ""}).error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace config_service::application
