#include "platform/db/schema_check.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "backend_test.h"
#include "platform/db/migrations.h"

namespace platform::db {
namespace {

using core::EmbeddedFile;

const std::vector<EmbeddedFile> kMigrations = {
    {"0001_create_items.sql",
     "CREATE TABLE items (code TEXT PRIMARY KEY, amount INTEGER NOT NULL DEFAULT 0);\n"},
    {"0002_index_items.sql", "CREATE INDEX items_amount_idx ON items (amount);\n"}};

class SchemaCheckTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    database_ = open_database(1);
    ASSERT_NE(database_, nullptr);
  }

  void execute(const std::string& statement) {
    auto done = database_->run_transaction([&](Session& session) -> core::Result<void> {
      session.sql() << statement;
      return core::ok();
    });
    ASSERT_TRUE(done) << done.error().detail();
  }

  std::string problems(const SchemaCheck& check) {
    std::string text;
    for (const auto& problem : check.problems) text += problem + "\n";
    return text;
  }

  std::unique_ptr<Database> database_;
};

TEST_P(SchemaCheckTest, AMigratedDatabaseIsExactlyWhatItsMigrationsMake) {
  ASSERT_TRUE(migrate(*database_, kMigrations));

  auto check = verify_schema(url(), kMigrations);

  ASSERT_TRUE(check) << check.error().detail();
  EXPECT_TRUE(check->ok()) << problems(*check);
  EXPECT_EQ(check->applied_version, 2);
}

TEST_P(SchemaCheckTest, NamesAPendingMigrationAndAnEditedOne) {
  ASSERT_TRUE(migrate(*database_, {kMigrations[0]}));
  auto edited = kMigrations;
  edited[0].content += "-- a comment added after the fact\n";

  auto check = verify_schema(url(), edited);

  ASSERT_TRUE(check) << check.error().detail();
  const std::string text = problems(*check);
  EXPECT_NE(text.find("migration 1_create_items was edited after it was applied"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("migration 2_index_items is not applied"), std::string::npos) << text;
  EXPECT_NE(text.find("the live schema lacks index items_amount_idx"), std::string::npos) << text;
}

TEST_P(SchemaCheckTest, NamesWhatWasChangedByHandBesideTheMigrations) {
  ASSERT_TRUE(migrate(*database_, kMigrations));
  execute("CREATE INDEX items_code_amount_idx ON items (code, amount)");
  execute("DROP INDEX items_amount_idx");
  execute("ALTER TABLE items ADD COLUMN note TEXT");

  auto check = verify_schema(url(), kMigrations);

  ASSERT_TRUE(check) << check.error().detail();
  const std::string text = problems(*check);
  EXPECT_NE(text.find("the live schema has what no migration makes: index items_code_amount_idx"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("the live schema lacks index items_amount_idx"), std::string::npos) << text;
  EXPECT_NE(text.find("note"), std::string::npos) << text;
}

SYL_INSTANTIATE_ON_BOTH_BACKENDS(SchemaCheckTest);

}  // namespace
}  // namespace platform::db
