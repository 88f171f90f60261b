#include "platform/db/import_ledger.h"

#include <gtest/gtest.h>

#include "backend_test.h"
#include "platform/db/migrations.h"

namespace platform::db {
namespace {

using core::ErrorCode;
using core::Result;

class ImportLedgerTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    database_ = open_database();
    ASSERT_NE(database_, nullptr);
    auto migrated = migrate(*database_, import_ledger_migration_files());
    ASSERT_TRUE(migrated) << migrated.error().detail();
  }

  Result<void> record(std::string legacy_id, std::string id, std::string kind = "subjects") {
    return database_->transaction<void>([&](Session& session) {
      return record_import(session, kind, legacy_id, id, core::Timestamp{});
    });
  }

  Result<std::optional<std::string>> lookup(std::string legacy_id, std::string kind = "subjects") {
    return database_->read<std::optional<std::string>>(
        [&](Session& session) { return imported_id(session, kind, legacy_id); });
  }

  std::unique_ptr<Database> database_;
};

TEST_P(ImportLedgerTest, FindsWhatWasRecordedByKindAndLegacyId) {
  ASSERT_TRUE(record("17", "id-17"));
  ASSERT_TRUE(record("17", "file-17", "files"));

  EXPECT_EQ(lookup("17").value(), std::optional<std::string>("id-17"));
  EXPECT_EQ(lookup("17", "files").value(), std::optional<std::string>("file-17"));
  EXPECT_EQ(lookup("18").value(), std::nullopt);
  EXPECT_EQ(lookup("17", "syllabi").value(), std::nullopt);
}

TEST_P(ImportLedgerTest, RefusesASecondRecordOfTheSameLegacyId) {
  ASSERT_TRUE(record("17", "id-17"));

  const auto again = record("17", "other");

  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(lookup("17").value(), std::optional<std::string>("id-17"));
}

TEST_P(ImportLedgerTest, NothingIsRecordedWhenTheTransactionRollsBack) {
  const auto failed = database_->transaction<void>([&](Session& session) -> Result<void> {
    if (auto recorded = record_import(session, "subjects", "5", "id-5", core::Timestamp{});
        !recorded)
      return recorded;
    return core::Error::unavailable("the import's own write failed");
  });

  ASSERT_FALSE(failed);
  EXPECT_EQ(lookup("5").value(), std::nullopt);
}

TEST_P(ImportLedgerTest, PagesTheMappingOfOneKindInLegacyIdOrder) {
  for (const char* legacy : {"3", "1", "2", "4", "5"}) {
    ASSERT_TRUE(record(legacy, std::string("id-") + legacy));
  }
  ASSERT_TRUE(record("0", "file-0", "files"));

  auto first = imported_page(*database_, "subjects", std::nullopt, 2);
  ASSERT_TRUE(first) << first.error().detail();
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].legacy_id, "1");
  EXPECT_EQ(first->items[0].id, "id-1");
  EXPECT_EQ(first->items[1].legacy_id, "2");
  ASSERT_EQ(first->next, std::optional<std::string>("2"));

  auto second = imported_page(*database_, "subjects", first->next, 2);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[0].legacy_id, "3");
  auto last = imported_page(*database_, "subjects", second->next, 2);
  ASSERT_TRUE(last);
  ASSERT_EQ(last->items.size(), 1u);
  EXPECT_EQ(last->items[0].legacy_id, "5");
  EXPECT_EQ(last->next, std::nullopt);
}

SYL_INSTANTIATE_ON_BOTH_BACKENDS(ImportLedgerTest);

}  // namespace
}  // namespace platform::db
