// One suite, run on SQLite and on PostgreSQL.
#include "infrastructure/sql_config_repository.h"

#include <gtest/gtest.h>

#include "infrastructure/migrations.h"
#include "platform/db/migrations.h"
#include "platform/testing/test_database.h"

namespace config_service::infrastructure {
namespace {

using platform::core::ErrorCode;
using platform::testing::TestBackend;

class SqlConfigRepositoryTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    db_ = database_.open(migration_files());
    repository_ = std::make_unique<SqlConfigRepository>(*db_);
  }

  platform::core::Result<std::int64_t> append(const std::string& env, domain::Settings settings,
                                              std::int64_t expected = application::kAnyVersion) {
    return repository_->append({"svc", env, "ana", "why", now_, std::move(settings)}, expected);
  }

  platform::core::Timestamp now_ =
      std::chrono::floor<std::chrono::microseconds>(platform::core::now_utc());
  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<platform::db::Database> db_;
  std::unique_ptr<SqlConfigRepository> repository_;
};

TEST_P(SqlConfigRepositoryTest, SchemasAreStoredAndReplaced) {
  EXPECT_EQ(repository_->schema("svc").error().code(), ErrorCode::kNotFound);
  domain::SettingSchema schema({{"a", "integer", 1, 5, {}, true, "an \"a\" ✓"},
                                {"key", "string", {}, {}, {}, false, "", /*secret=*/true}});
  ASSERT_TRUE(repository_->put_schema("svc", schema, now_));
  EXPECT_EQ(*repository_->schema("svc"), schema);
  domain::SettingSchema other({{"b", "enum", {}, {}, {"x", "y"}, false, ""}});
  ASSERT_TRUE(repository_->put_schema("svc", other, now_));
  EXPECT_EQ(*repository_->schema("svc"), other);
}

TEST_P(SqlConfigRepositoryTest, OneCounterPerServiceAcrossEnvironments) {
  EXPECT_EQ(*append("default", {{"a", "1"}}), 1);
  EXPECT_EQ(*append("prod", {{"a", "2"}}), 2);
  EXPECT_EQ(
      *repository_->append({"other", "default", "ana", "", now_, {}}, application::kAnyVersion), 1);
  auto snapshot = repository_->snapshot("svc", "prod");
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->version, 2);
  EXPECT_EQ(snapshot->base, (domain::Settings{{"a", "1"}}));
  EXPECT_EQ(snapshot->overlay, (domain::Settings{{"a", "2"}}));
  auto empty = repository_->snapshot("nobody", "default");
  EXPECT_EQ(empty->version, 0);
  EXPECT_TRUE(empty->base.empty());
}

TEST_P(SqlConfigRepositoryTest, AStaleExpectedVersionChangesNothing) {
  EXPECT_EQ(*append("default", {{"a", "1"}}, 0), 1);
  EXPECT_EQ(append("default", {{"a", "2"}}, 0).error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(repository_->snapshot("svc", "default")->version, 1);
  EXPECT_EQ(*append("default", {{"a", "3"}}, 1), 2);  // the session is usable after it
}

TEST_P(SqlConfigRepositoryTest, HistoryIsPerEnvironmentNewestFirstAndFindsVersions) {
  ASSERT_TRUE(append("default", {{"a", "1"}}));
  ASSERT_TRUE(append("prod", {{"a", "2"}}));
  ASSERT_TRUE(append("default", {{"a", "3"}, {"q", "\"✓\""}}));
  auto history = repository_->history("svc", "default", 10);
  ASSERT_TRUE(history) << history.error().log_detail();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0],
            (domain::ConfigVersion{
                "svc", "default", 3, "ana", "why", now_, {{"a", "3"}, {"q", "\"✓\""}}}));
  EXPECT_EQ((*history)[1].version, 1);
  EXPECT_EQ(repository_->history("svc", "default", 1)->size(), 1u);
  EXPECT_EQ(repository_->find_version("svc", "prod", 2)->settings.at("a"), "2");
  EXPECT_EQ(repository_->find_version("svc", "default", 2).error().code(), ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlConfigRepositoryTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace config_service::infrastructure
