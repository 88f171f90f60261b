// One suite, run on SQLite and on PostgreSQL.
#include "infrastructure/sql_registry_repository.h"

#include <gtest/gtest.h>

#include "infrastructure/migrations.h"
#include "platform/db/migrations.h"
#include "platform/testing/test_database.h"

namespace config_service::infrastructure {
namespace {

using namespace std::chrono_literals;
using platform::core::ErrorCode;
using platform::testing::TestBackend;

class SqlRegistryRepositoryTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    db_ = database_.open(migration_files());
    repository_ = std::make_unique<SqlRegistryRepository>(*db_);
  }

  domain::Instance instance(const std::string& id, const std::string& service = "svc",
                            std::int64_t ttl = 10) {
    return domain::new_instance({.service = service,
                                 .instance_id = id,
                                 .url = "http://127.0.0.1:1",
                                 .version = "1.2.3",
                                 .colour = "blue",
                                 .zone = "z1",
                                 .metadata = {{"a", "1"}, {"quote", "\"x\" ✓"}},
                                 .ttl_seconds = ttl},
                                now_);
  }

  platform::core::Timestamp now_ =
      std::chrono::floor<std::chrono::microseconds>(platform::core::now_utc());
  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<platform::db::Database> db_;
  std::unique_ptr<SqlRegistryRepository> repository_;
};

TEST_P(SqlRegistryRepositoryTest, UpsertStoresEveryFieldAndBumpsTheVersion) {
  const auto a = instance("a");
  auto registered = repository_->upsert(a, now_);
  ASSERT_TRUE(registered) << registered.error().log_detail();
  EXPECT_TRUE(registered->created);
  EXPECT_EQ(registered->registry_version, 1);
  auto found = repository_->find("a");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, a);
  EXPECT_EQ(*repository_->registry_version(), 1);
}

TEST_P(SqlRegistryRepositoryTest, ReRegisteringALiveInstanceKeepsRegisteredAt) {
  ASSERT_TRUE(repository_->upsert(instance("a"), now_));
  auto later = instance("a");
  later.registered_at += 5s;
  later.url = "http://other:2";
  auto again = repository_->upsert(later, now_ + 5s);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->registry_version, 2);
  auto found = repository_->find("a");
  EXPECT_EQ(found->url, "http://other:2");
  EXPECT_EQ(found->registered_at, now_);
}

TEST_P(SqlRegistryRepositoryTest, RenewIsConditionalOnTheLeaseRead) {
  const auto a = instance("a");
  ASSERT_TRUE(repository_->upsert(a, now_));
  EXPECT_TRUE(repository_->renew("a", a.lease_expires_at, a.lease_expires_at + 3s));
  EXPECT_EQ(repository_->find("a")->lease_expires_at, a.lease_expires_at + 3s);
  EXPECT_EQ(repository_->renew("a", a.lease_expires_at, a.lease_expires_at + 9s).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(*repository_->registry_version(), 1);  // renewing is no change of membership
}

TEST_P(SqlRegistryRepositoryTest, ATrafficSplitIsSetReplacedAndClearedEachAChange) {
  EXPECT_EQ(*repository_->traffic("svc"), std::nullopt);
  EXPECT_EQ(*repository_->set_traffic("svc", domain::TrafficSplit{90, 10}), 1);
  EXPECT_EQ(*repository_->set_traffic("svc", domain::TrafficSplit{0, 100}), 2);
  EXPECT_EQ(*repository_->traffic("svc"), (domain::TrafficSplit{0, 100}));
  EXPECT_EQ(*repository_->traffic("other"), std::nullopt);
  EXPECT_EQ(*repository_->set_traffic("svc", std::nullopt), 3);
  EXPECT_EQ(*repository_->traffic("svc"), std::nullopt);
  EXPECT_EQ(*repository_->registry_version(), 3);
}

TEST_P(SqlRegistryRepositoryTest, RemoveAndUnknown) {
  ASSERT_TRUE(repository_->upsert(instance("a"), now_));
  auto removed = repository_->remove("a");
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(repository_->remove("a").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(repository_->find("a").error().code(), ErrorCode::kNotFound);
}

TEST_P(SqlRegistryRepositoryTest, ExpireRemovesOnlyLapsedLeasesAndBumpsOnce) {
  ASSERT_TRUE(repository_->upsert(instance("a", "svc", 1), now_));
  ASSERT_TRUE(repository_->upsert(instance("b", "svc", 1), now_));
  ASSERT_TRUE(repository_->upsert(instance("c", "svc", 30), now_));
  auto none = repository_->expire(now_ + 500ms);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->removed, 0u);
  EXPECT_EQ(none->registry_version, 3);
  auto expired = repository_->expire(now_ + 1s);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->removed, 2u);
  EXPECT_EQ(expired->registry_version, 4);
  auto left = repository_->list("");
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].instance_id, "c");
}

TEST_P(SqlRegistryRepositoryTest, ListFiltersByServiceInOrder) {
  ASSERT_TRUE(repository_->upsert(instance("b", "x"), now_));
  ASSERT_TRUE(repository_->upsert(instance("a", "x"), now_));
  ASSERT_TRUE(repository_->upsert(instance("c", "y"), now_));
  auto x = repository_->list("x");
  ASSERT_TRUE(x);
  ASSERT_EQ(x->size(), 2u);
  EXPECT_EQ((*x)[0].instance_id, "a");
  EXPECT_EQ(repository_->list("")->size(), 3u);
  EXPECT_TRUE(repository_->list("nobody")->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlRegistryRepositoryTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace config_service::infrastructure
