// Version-guarded read-model writes on both backends: out of order, duplicated, deleted
// and re-created, and concurrent.
#include "platform/events/read_model.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <optional>
#include <thread>

#include "platform/testing/test_database.h"

namespace platform::events {
namespace {

using core::Result;
using platform::testing::TestBackend;

const ReadModelTable kSubjects{
    .name = "subject_views", .key = {"id"}, .columns = {"code", "name", "credits"}};

// Whether a write applied; an error fails the test.
bool applied(const Result<bool>& result) {
  EXPECT_TRUE(result) << result.error().detail() << " " << result.error().log_detail();
  return result && *result;
}

struct Row {
  std::string code;
  std::optional<std::string> name;
  long long credits = 0;
  long long version = 0;
  int deleted = 0;
};

class ReadModelTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    auto opened = db::Database::open({.url = database_.url(), .pool_size = 4});
    ASSERT_TRUE(opened) << opened.error().log_detail();
    db_ = std::move(opened).value();
    ASSERT_TRUE(db_->transaction<void>([](db::Session& s) -> Result<void> {
      s.sql() << "CREATE TABLE subject_views (id TEXT PRIMARY KEY, code TEXT, name TEXT, "
                 "credits BIGINT, version BIGINT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0)";
      s.sql() << "CREATE TABLE offerings (subject_id TEXT NOT NULL, year TEXT NOT NULL, "
                 "seats BIGINT, version BIGINT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, "
                 "PRIMARY KEY (subject_id, year))";
      return core::ok();
    }));
  }

  Result<bool> upsert(const std::string& id, std::int64_t version, const std::string& code,
                      ReadModelValue name = std::string("Algebra"), std::int64_t credits = 5) {
    return db_->transaction<bool>([&](db::Session& s) {
      return upsert_if_newer(s, kSubjects, {id}, version, {code, name, credits});
    });
  }

  Result<bool> remove(const std::string& id, std::int64_t version) {
    return db_->transaction<bool>(
        [&](db::Session& s) { return delete_if_newer(s, kSubjects, {id}, version); });
  }

  // The row as stored, tombstones included.
  std::optional<Row> stored(const std::string& id) {
    std::optional<Row> found;
    EXPECT_TRUE(db_->read<void>([&](db::Session& s) -> Result<void> {
      Row row;
      soci::indicator code_indicator = soci::i_null, name_indicator = soci::i_null,
                      credits_indicator = soci::i_null;
      std::string name;
      soci::statement select =
          (s.sql().prepare << "SELECT code, name, credits, version, deleted FROM subject_views "
                              "WHERE id = :id",
           soci::into(row.code, code_indicator), soci::into(name, name_indicator),
           soci::into(row.credits, credits_indicator), soci::into(row.version),
           soci::into(row.deleted), soci::use(id));
      if (select.execute(true)) {
        if (name_indicator == soci::i_ok) row.name = name;
        found = row;
      }
      return core::ok();
    }));
    return found;
  }

  // What the service's queries see: tombstones excluded.
  std::optional<Row> visible(const std::string& id) {
    auto row = stored(id);
    if (row && row->deleted != 0) return std::nullopt;
    return row;
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<db::Database> db_;
};

TEST_P(ReadModelTest, AppliesNewerVersionsAndIgnoresOlderOnesArrivingLate) {
  ASSERT_TRUE(applied(upsert("s1", 2, "CS-102")));
  EXPECT_FALSE(applied(upsert("s1", 1, "CS-101")));  // older, arrived late
  ASSERT_TRUE(visible("s1"));
  EXPECT_EQ(visible("s1")->code, "CS-102");
  EXPECT_EQ(visible("s1")->version, 2);
  EXPECT_TRUE(applied(upsert("s1", 3, "CS-103", std::string("Calculus"), 7)));
  EXPECT_EQ(visible("s1")->code, "CS-103");
  EXPECT_EQ(visible("s1")->name, "Calculus");
  EXPECT_EQ(visible("s1")->credits, 7);
  EXPECT_EQ(visible("s1")->version, 3);
}

TEST_P(ReadModelTest, ADuplicateVersionChangesNothing) {
  ASSERT_TRUE(applied(upsert("s1", 1, "CS-101")));
  EXPECT_FALSE(applied(upsert("s1", 1, "CS-999")));
  EXPECT_EQ(visible("s1")->code, "CS-101");
}

TEST_P(ReadModelTest, ALateOlderUpdateDoesNotResurrectADeletedRow) {
  ASSERT_TRUE(applied(upsert("s1", 1, "CS-101")));
  ASSERT_TRUE(applied(remove("s1", 3)));
  EXPECT_FALSE(visible("s1"));
  EXPECT_FALSE(applied(upsert("s1", 2, "CS-102")));  // written before the deletion, arrived after
  EXPECT_FALSE(visible("s1"));
  ASSERT_TRUE(stored("s1"));
  EXPECT_EQ(stored("s1")->version, 3);
  EXPECT_FALSE(applied(remove("s1", 3)));  // the deletion redelivered
}

TEST_P(ReadModelTest, ADeletionThatArrivesFirstLeavesATombstone) {
  ASSERT_TRUE(applied(remove("s1", 2)));
  EXPECT_FALSE(visible("s1"));
  EXPECT_FALSE(applied(upsert("s1", 1, "CS-101")));  // the creation, arriving after its deletion
  EXPECT_FALSE(visible("s1"));
  EXPECT_EQ(stored("s1")->deleted, 1);
}

TEST_P(ReadModelTest, AnUpdateNewerThanTheDeletionRecreatesTheRow) {
  ASSERT_TRUE(applied(upsert("s1", 1, "CS-101")));
  ASSERT_TRUE(applied(remove("s1", 2)));
  EXPECT_TRUE(applied(upsert("s1", 3, "CS-101", std::string("Algebra again"))));
  ASSERT_TRUE(visible("s1"));
  EXPECT_EQ(visible("s1")->name, "Algebra again");
  EXPECT_EQ(visible("s1")->version, 3);
}

TEST_P(ReadModelTest, AnOlderDeletionChangesNothing) {
  ASSERT_TRUE(applied(upsert("s1", 3, "CS-103")));
  EXPECT_FALSE(applied(remove("s1", 2)));
  ASSERT_TRUE(visible("s1"));
  EXPECT_EQ(visible("s1")->version, 3);
}

TEST_P(ReadModelTest, WritesNullsAndWorksWithACompositeKey) {
  ASSERT_TRUE(applied(upsert("s1", 1, "CS-101", nullptr)));
  EXPECT_EQ(visible("s1")->name, std::nullopt);

  const ReadModelTable offerings{
      .name = "offerings", .key = {"subject_id", "year"}, .columns = {"seats"}};
  auto write = [&](const std::string& year, std::int64_t version, std::int64_t seats) {
    return db_->transaction<bool>([&](db::Session& s) {
      return upsert_if_newer(s, offerings, {std::string("s1"), year}, version, {seats});
    });
  };
  EXPECT_TRUE(applied(write("2026/2027", 1, 30)));
  EXPECT_TRUE(applied(write("2027/2028", 1, 40)));  // another key
  EXPECT_FALSE(applied(write("2026/2027", 1, 99)));
  long long seats = 0;
  ASSERT_TRUE(db_->read<void>([&](db::Session& s) -> Result<void> {
    s.sql() << "SELECT SUM(seats) FROM offerings", soci::into(seats);
    return core::ok();
  }));
  EXPECT_EQ(seats, 70);
}

TEST_P(ReadModelTest, RefusesIdentifiersThatAreNotPlainAndValuesThatDoNotFit) {
  ReadModelTable injected = kSubjects;
  injected.name = "subject_views; DROP TABLE subject_views";
  auto refused = db_->transaction<bool>([&](db::Session& s) {
    return upsert_if_newer(s, injected, {"s1"}, 1, {"a", "b", 1});
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), core::ErrorCode::kInvalidArgument);

  auto short_values = db_->transaction<bool>(
      [&](db::Session& s) { return upsert_if_newer(s, kSubjects, {"s1"}, 1, {"a"}); });
  ASSERT_FALSE(short_values);
  EXPECT_EQ(short_values.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(stored("s1") == std::nullopt);
}

TEST_P(ReadModelTest, ConcurrentWritersConvergeOnTheNewestVersion) {
  // Two consumers applying the same aggregate's changes in different orders.
  auto apply_all = [&](bool ascending) {
    for (int i = 0; i < 40; ++i) {
      const int version = ascending ? i + 1 : 40 - i;
      auto written = version % 10 == 0 ? remove("s1", version)
                                       : upsert("s1", version, "CS-" + std::to_string(version));
      EXPECT_TRUE(written) << written.error().log_detail();
    }
  };
  std::thread up(apply_all, true);
  std::thread down(apply_all, false);
  up.join();
  down.join();
  ASSERT_TRUE(stored("s1"));
  EXPECT_EQ(stored("s1")->version, 40);
  EXPECT_EQ(stored("s1")->deleted, 1);  // version 40 is a deletion
}

INSTANTIATE_TEST_SUITE_P(Backends, ReadModelTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace platform::events
