#include "platform/db/migrations.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <thread>

#include "backend_test.h"
#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/testing/postgres.h"

namespace platform::db {
namespace {

using core::EmbeddedFile;
using core::ErrorCode;

const EmbeddedFile kCreateItems{"0001_create_items.sql",
                                "CREATE TABLE items (code TEXT PRIMARY KEY, amount INTEGER);\n"};
const EmbeddedFile kSeedItems{"0002_seed_items.sql",
                              "INSERT INTO items (code, amount) VALUES ('CS101', 1);\n"
                              "INSERT INTO items (code, amount) VALUES ('MA201', 2);\n"};

TEST(SelectMigrations, OrdersByVersionAndChecksumsTheSql) {
  auto migrations = select_migrations({kSeedItems, kCreateItems}, Backend::kSqlite);

  ASSERT_TRUE(migrations) << migrations.error().detail();
  ASSERT_EQ(migrations->size(), 2u);
  EXPECT_EQ((*migrations)[0].version, 1);
  EXPECT_EQ((*migrations)[0].name, "create_items");
  EXPECT_EQ((*migrations)[0].sql, kCreateItems.content);
  EXPECT_EQ((*migrations)[0].checksum, core::sha256_hex(kCreateItems.content));
  EXPECT_EQ((*migrations)[1].version, 2);
}

TEST(SelectMigrations, LetsABackendVariantReplaceTheCommonFile) {
  std::vector<EmbeddedFile> files = {{"0001_x.sql", "common"},
                                     {"0001_x.sqlite.sql", "sqlite"},
                                     {"0001_x.postgresql.sql", "postgresql"},
                                     {"0002_y.sql", "common y"},
                                     {"0002_y.postgresql.sql", "postgresql y"}};

  auto on_sqlite = select_migrations(files, Backend::kSqlite);
  auto on_postgresql = select_migrations(files, Backend::kPostgresql);

  ASSERT_TRUE(on_sqlite);
  ASSERT_TRUE(on_postgresql);
  EXPECT_EQ((*on_sqlite)[0].sql, "sqlite");
  EXPECT_EQ((*on_sqlite)[1].sql, "common y");
  EXPECT_EQ((*on_postgresql)[0].sql, "postgresql");
  EXPECT_EQ((*on_postgresql)[1].sql, "postgresql y");
}

TEST(SelectMigrations, RejectsMisnamedFiles) {
  for (const char* name : {"1_x.sql", "0001-x.sql", "0001_x.txt", "0001_.sql", "0001_x.mysql.sql",
                           "0000_x.sql", "create_items.sql"}) {
    auto migrations = select_migrations({{name, "SELECT 1;"}}, Backend::kSqlite);

    ASSERT_FALSE(migrations) << name;
    EXPECT_EQ(migrations.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(migrations.error().detail().find(name), std::string::npos)
        << migrations.error().detail();
  }
}

TEST(SelectMigrations, RejectsADuplicatedVersion) {
  auto two_names = select_migrations({{"0001_a.sql", ""}, {"0001_b.sql", ""}}, Backend::kSqlite);
  auto same_file = select_migrations({{"0001_a.sql", ""}, {"0001_a.sql", ""}}, Backend::kSqlite);

  ASSERT_FALSE(two_names);
  EXPECT_EQ(two_names.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(two_names.error().detail().find("version 1"), std::string::npos);
  ASSERT_FALSE(same_file);
  EXPECT_EQ(same_file.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SelectMigrations, RejectsAVersionWithoutAFileForTheBackend) {
  auto migrations = select_migrations({{"0001_only_pg.postgresql.sql", ""}}, Backend::kSqlite);

  ASSERT_FALSE(migrations);
  EXPECT_EQ(migrations.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(migrations.error().detail().find("0001_only_pg"), std::string::npos);
}

class MigrateTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure() || HasNonfatalFailure()) return;
    database_ = open_database();
    ASSERT_TRUE(database_);
  }

  // The number of rows of `table`, or -1 when the table does not exist.
  int count_rows(const std::string& table) {
    core::Result<int> count = database_->read<int>([&](Session& session) -> core::Result<int> {
      int count = 0;
      session.sql() << "SELECT COUNT(*) FROM " + table, soci::into(count);
      return count;
    });
    return count ? *count : -1;
  }

  std::unique_ptr<Database> database_;
};

TEST_P(MigrateTest, AppliesMigrationsInVersionOrder) {
  auto report = migrate(*database_, {kSeedItems, kCreateItems});

  ASSERT_TRUE(report) << report.error().detail();
  EXPECT_EQ(report->applied, 2);
  EXPECT_EQ(report->current_version, 2);
  EXPECT_EQ(report->latest_known_version, 2);
  EXPECT_EQ(count_rows("items"), 2);
  EXPECT_EQ(count_rows("schema_migrations"), 2);
}

TEST_P(MigrateTest, AppliesNothingTheSecondTime) {
  ASSERT_TRUE(migrate(*database_, {kCreateItems, kSeedItems}));

  auto again = migrate(*database_, {kCreateItems, kSeedItems});

  ASSERT_TRUE(again) << again.error().detail();
  EXPECT_EQ(again->applied, 0);
  EXPECT_EQ(again->current_version, 2);
  EXPECT_EQ(count_rows("items"), 2);
}

TEST_P(MigrateTest, AppliesOnlyTheNewMigrations) {
  ASSERT_TRUE(migrate(*database_, {kCreateItems}));

  auto report = migrate(*database_, {kCreateItems, kSeedItems});

  ASSERT_TRUE(report) << report.error().detail();
  EXPECT_EQ(report->applied, 1);
  EXPECT_EQ(report->current_version, 2);
}

TEST(BreakingStatements, OnlyAddingKeepsTheRunningReleaseWorking) {
  EXPECT_TRUE(
      breaking_statements("-- adds\nCREATE TABLE t (a TEXT);\n"
                          "ALTER TABLE items ADD COLUMN note TEXT;\n"
                          "ALTER TABLE items ADD COLUMN n INTEGER NOT NULL DEFAULT 0;\n"
                          "CREATE INDEX i ON items (code); DROP INDEX old_idx;\n"
                          "/* DROP TABLE items; in a comment */ INSERT INTO t VALUES ('x');")
          .empty());
}

TEST(BreakingStatements, NamesEveryContractStep) {
  const auto breaking = breaking_statements(
      "DROP TABLE items;\n"
      "alter table items drop column amount;\n"
      "ALTER TABLE items RENAME COLUMN code TO id;\n"
      "ALTER TABLE items ALTER COLUMN amount TYPE BIGINT;\n"
      "ALTER TABLE items ALTER COLUMN amount SET NOT NULL;\n"
      "ALTER TABLE items ADD COLUMN owner TEXT NOT NULL;\n"
      "ALTER TABLE items ADD COLUMN kept TEXT;");
  ASSERT_EQ(breaking.size(), 6u);
  EXPECT_EQ(breaking[0], "DROP TABLE ITEMS");
  EXPECT_EQ(breaking[1], "ALTER TABLE ITEMS DROP COLUMN AMOUNT");
  EXPECT_EQ(breaking[5], "ALTER TABLE ITEMS ADD COLUMN OWNER TEXT NOT NULL");
}

TEST_P(MigrateTest, PendingMigrationsAreTheUnappliedOnesWithWhatTheyWouldBreak) {
  const EmbeddedFile drop_amount{"0003_drop_amount.sql", "ALTER TABLE items DROP COLUMN amount;"};
  auto all = pending_migrations(*database_, {kCreateItems, kSeedItems});
  ASSERT_TRUE(all) << all.error().detail();
  ASSERT_EQ(all->size(), 2u);  // a database never migrated
  ASSERT_TRUE(migrate(*database_, {kCreateItems, kSeedItems}));
  auto pending = pending_migrations(*database_, {kCreateItems, kSeedItems, drop_amount});
  ASSERT_TRUE(pending) << pending.error().detail();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].version, 3);
  EXPECT_EQ((*pending)[0].name, "drop_amount");
  EXPECT_EQ((*pending)[0].breaking,
            std::vector<std::string>{"ALTER TABLE ITEMS DROP COLUMN AMOUNT"});
  EXPECT_TRUE(pending_migrations(*database_, {kCreateItems, kSeedItems})->empty());
}

TEST_P(MigrateTest, RecordsNameChecksumAndTimeOfEachMigration) {
  ASSERT_TRUE(migrate(*database_, {kCreateItems}));

  std::string name;
  std::string checksum;
  std::string applied_at;
  ASSERT_TRUE(database_->run_session([&](Session& session) -> core::Result<void> {
    session.sql() << "SELECT name, checksum, applied_at FROM schema_migrations WHERE version = 1",
        soci::into(name), soci::into(checksum), soci::into(applied_at);
    return core::ok();
  }));

  EXPECT_EQ(name, "create_items");
  EXPECT_EQ(checksum, core::sha256_hex(kCreateItems.content));
  EXPECT_EQ(applied_at.size(), std::string("2026-11-24T20:01:28.123456Z").size()) << applied_at;
  EXPECT_EQ(applied_at.back(), 'Z');
}

TEST_P(MigrateTest, ChoosesTheVariantForItsBackend) {
  auto report =
      migrate(*database_,
              {{"0001_tables.sql", "CREATE TABLE common_table (a INTEGER);"},
               {"0001_tables.sqlite.sql", "CREATE TABLE table_for_sqlite (a INTEGER);"},
               {"0001_tables.postgresql.sql", "CREATE TABLE table_for_postgresql (a INTEGER);"}});

  ASSERT_TRUE(report) << report.error().detail();
  EXPECT_EQ(count_rows("common_table"), -1);
  bool on_sqlite = GetParam() == Backend::kSqlite;
  EXPECT_EQ(count_rows("table_for_sqlite"), on_sqlite ? 0 : -1);
  EXPECT_EQ(count_rows("table_for_postgresql"), on_sqlite ? -1 : 0);
}

TEST_P(MigrateTest, RefusesAnAppliedMigrationThatWasEdited) {
  ASSERT_TRUE(migrate(*database_, {kCreateItems}));
  EmbeddedFile edited{kCreateItems.name, kCreateItems.content + "-- a harmless comment\n"};

  auto report = migrate(*database_, {edited, kSeedItems});

  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(
      report.error().detail().find("migration 0001_create_items was changed after it was applied"),
      std::string::npos)
      << report.error().detail();
  EXPECT_NE(report.error().detail().find("add a new migration instead of editing an applied one"),
            std::string::npos);
  EXPECT_EQ(count_rows("items"), 0);  // 0002 was not applied either
}

TEST_P(MigrateTest, RefusesAMisnamedFileBeforeTouchingTheDatabase) {
  auto report = migrate(*database_, {kCreateItems, {"2_seed.sql", "SELECT 1;"}});

  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(report.error().detail().find("2_seed.sql"), std::string::npos);
  EXPECT_EQ(count_rows("items"), -1);
}

TEST_P(MigrateTest, RollsBackAFailingMigrationCompletely) {
  EmbeddedFile failing{"0002_broken.sql",
                       "CREATE TABLE half_done (a INTEGER);\n"
                       "INSERT INTO no_such_table (a) VALUES (1);\n"};

  auto report = migrate(*database_, {kCreateItems, failing});

  ASSERT_FALSE(report);
  EXPECT_NE(report.error().detail().find("migration 0002_broken failed"), std::string::npos)
      << report.error().detail();
  EXPECT_NE(report.error().detail().find("no_such_table"), std::string::npos);
  EXPECT_EQ(count_rows("half_done"), -1);
  EXPECT_EQ(count_rows("schema_migrations"), 1);  // 0001 stays applied
  EXPECT_EQ(count_rows("items"), 0);
  EXPECT_TRUE(database_->ping());
}

TEST_P(MigrateTest, AcceptsADatabaseMigratedByANewerRelease) {
  ASSERT_TRUE(migrate(*database_, {kCreateItems, kSeedItems}));

  auto report = migrate(*database_, {kCreateItems});

  ASSERT_TRUE(report) << report.error().detail();
  EXPECT_EQ(report->applied, 0);
  EXPECT_EQ(report->current_version, 2);
  EXPECT_EQ(report->latest_known_version, 1);
}

TEST_P(MigrateTest, AppliesEachMigrationOnceWhenTwoInstancesMigrateAtOnce) {
  auto other = open_database();
  ASSERT_TRUE(other);
  // The first migration holds its transaction open for a while so that the race is real.
  std::string slow = GetParam() == Backend::kPostgresql
                         ? "CREATE TABLE slow (a INTEGER); SELECT pg_sleep(0.3);"
                         : "CREATE TABLE slow (a INTEGER); WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                           "ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT COUNT(*) FROM n;";
  std::vector<EmbeddedFile> files = {{"0001_slow.sql", slow},
                                     {"0002_create_items.sql", kCreateItems.content},
                                     {"0003_seed_items.sql", kSeedItems.content}};

  core::Result<MigrationReport> first = core::Error::internal("not run");
  core::Result<MigrationReport> second = core::Error::internal("not run");
  {
    std::jthread a([&] { first = migrate(*database_, files); });
    std::jthread b([&] { second = migrate(*other, files); });
  }

  ASSERT_TRUE(first) << first.error().detail();
  ASSERT_TRUE(second) << second.error().detail();
  EXPECT_EQ(first->applied + second->applied, 3);
  EXPECT_EQ(first->current_version, 3);
  EXPECT_EQ(second->current_version, 3);
  EXPECT_EQ(count_rows("items"), 2);
  EXPECT_EQ(count_rows("schema_migrations"), 3);
}

SYL_INSTANTIATE_ON_BOTH_BACKENDS(MigrateTest);

}  // namespace
}  // namespace platform::db
