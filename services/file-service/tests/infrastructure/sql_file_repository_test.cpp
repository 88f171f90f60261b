// One suite, run on SQLite and on PostgreSQL.
#include "infrastructure/sql_file_repository.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <thread>
#include <tuple>

#include "infrastructure/file_event_mapper.h"
#include "infrastructure/migrations.h"
#include "platform/db/migrations.h"
#include "platform/events/outbox.h"
#include "platform/testing/test_database.h"

namespace file_service::infrastructure {
namespace {

using platform::core::ErrorCode;
using platform::core::Uuid;
using platform::testing::TestBackend;

class SqlFileRepositoryTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    db_ = database_.open(migration_files());
    repository_ = std::make_unique<SqlFileRepository>(*db_, [this] { ++notifications_; });
  }

  static domain::FileMetadata file(const std::string& storage_key) {
    return {.id = Uuid::v7(),
            .filename = "notes.pdf",
            .content_type = "application/pdf",
            .size = 1234,
            .sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            .storage_key = storage_key,
            .uploaded_by = "user-1",
            .created_at = platform::core::now_utc()};
  }

  domain::FileMetadata stored(const std::string& storage_key) {
    domain::FileMetadata f = file(storage_key);
    EXPECT_TRUE(repository_->insert(f, uploaded(f)));
    return f;
  }

  static application::Change uploaded(const domain::FileMetadata& f) {
    return {domain::FileUploaded{f}, {}};
  }
  static application::Change deleted(const domain::FileMetadata& f) {
    return {domain::FileDeleted{f, "admin-1", platform::core::now_utc()}, {}};
  }

  // The outbox as (type, aggregate id, stream) rows in commit order.
  std::vector<std::tuple<std::string, std::string, std::string>> outbox() {
    std::vector<std::tuple<std::string, std::string, std::string>> rows;
    auto read =
        db_->read<void>([&](platform::db::Session& session) -> platform::core::Result<void> {
          soci::rowset<soci::row> result =
              (session.sql().prepare
               << "SELECT type, aggregate_id, stream FROM outbox ORDER BY seq");
          for (const soci::row& row : result)
            rows.emplace_back(row.get<std::string>(0), row.get<std::string>(1),
                              row.get<std::string>(2));
          return platform::core::ok();
        });
    EXPECT_TRUE(read) << read.error().log_detail();
    return rows;
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<platform::db::Database> db_;
  std::unique_ptr<SqlFileRepository> repository_;
  std::atomic<int> notifications_{0};  // the concurrency test notifies from several threads
};

TEST_P(SqlFileRepositoryTest, ImportedFilesAreFoundByLegacyIdAndImportedOnce) {
  const domain::FileMetadata first = file("key-a");
  const domain::FileMetadata second = file("key-b");
  ASSERT_EQ(repository_->imported("42").value(), std::nullopt);

  ASSERT_TRUE(repository_->insert_imported("42", first, uploaded(first)));
  const auto again = repository_->insert_imported("42", second, uploaded(second));

  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(repository_->imported("42").value(), std::optional<domain::FileMetadata>(first));
  EXPECT_FALSE(repository_->find(second.id)) << "the losing import left no metadata";
  EXPECT_EQ(outbox().size(), 1u) << "nor an event";
}

TEST_P(SqlFileRepositoryTest, InsertsAndFindsAFileUnchanged) {
  domain::FileMetadata f = file("objects/a");
  f.filename = "Ünïcødé 'quoted' \"double\" ✓ 𝄞 -- ; DROP TABLE files;.pdf";
  f.content_type = "text/plain; charset=utf-8";
  f.size = (5ULL << 30) + 7;  // above 4 GiB: a 32-bit binding anywhere would truncate it
  f.uploaded_by = "Zoë";
  ASSERT_TRUE(repository_->insert(f, uploaded(f)));
  auto found = repository_->find(f.id);
  ASSERT_TRUE(found) << found.error().log_detail();
  EXPECT_EQ(*found, f);
}

TEST_P(SqlFileRepositoryTest, StoresTheLargestSizeABigintHoldsAndRefusesMore) {
  domain::FileMetadata largest = file("objects/largest");
  largest.size = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(repository_->insert(largest, uploaded(largest)));
  EXPECT_EQ(repository_->find(largest.id)->size, largest.size);

  domain::FileMetadata too_large = file("objects/too-large");
  too_large.size = largest.size + 1;
  auto refused = repository_->insert(too_large, uploaded(too_large));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(repository_->find(too_large.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(outbox().size(), 1u) << "the refused insert must not leave an event";
}

TEST_P(SqlFileRepositoryTest, FindReportsAMissingFile) {
  auto found = repository_->find(Uuid::v7());
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code(), ErrorCode::kNotFound);
}

TEST_P(SqlFileRepositoryTest, InsertAppendsExactlyOneUploadedEvent) {
  const domain::FileMetadata f = stored("objects/a");
  const auto rows = outbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], std::make_tuple(std::string("file.uploaded.v1"), f.id.to_string(),
                                     std::string(kFileStream)));
  EXPECT_EQ(notifications_.load(), 1) << "the relay is told about the committed event";
}

TEST_P(SqlFileRepositoryTest, RefusesASecondFileWithTheSameId) {
  const domain::FileMetadata first = stored("objects/a");
  domain::FileMetadata duplicate = file("objects/b");
  duplicate.id = first.id;
  auto again = repository_->insert(duplicate, uploaded(duplicate));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().detail().find("objects/b"), std::string::npos)
      << "the storage key is internal: " << again.error().detail();
  EXPECT_EQ(outbox().size(), 1u) << "the refused insert must not leave an event";
  EXPECT_EQ(notifications_.load(), 1);
  EXPECT_EQ(repository_->find(first.id)->storage_key, "objects/a");
  // The failed transaction left the connection usable.
  const domain::FileMetadata other = file("objects/c");
  EXPECT_TRUE(repository_->insert(other, uploaded(other)));
}

TEST_P(SqlFileRepositoryTest, RefusesASecondFileWithTheSameStorageKey) {
  stored("objects/a");
  const domain::FileMetadata duplicate = file("objects/a");
  auto again = repository_->insert(duplicate, uploaded(duplicate));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(repository_->find(duplicate.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(outbox().size(), 1u) << "the refused insert must not leave an event";
}

TEST_P(SqlFileRepositoryTest, RemoveDeletesOnceAndAppendsExactlyOneDeletedEvent) {
  const domain::FileMetadata f = stored("objects/a");
  ASSERT_TRUE(repository_->remove(f.id, deleted(f)));
  EXPECT_EQ(repository_->find(f.id).error().code(), ErrorCode::kNotFound);
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], std::make_tuple(std::string("file.deleted.v1"), f.id.to_string(),
                                     std::string(kFileStream)));

  auto twice = repository_->remove(f.id, deleted(f));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(outbox().size(), 2u) << "removing nothing announces nothing";
  EXPECT_EQ(notifications_.load(), 2);
}

TEST_P(SqlFileRepositoryTest, RemoveOfAFileNeverStoredIsNotFound) {
  const domain::FileMetadata missing = file("objects/missing");
  auto result = repository_->remove(missing.id, deleted(missing));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(outbox().empty());
}

TEST_P(SqlFileRepositoryTest, ListsInIdOrderPageByPageWithoutTheDeleted) {
  std::vector<domain::FileMetadata> files;
  for (int i = 0; i < 8; ++i) files.push_back(stored("objects/" + std::to_string(i)));
  for (const int gone : {5, 0}) {
    ASSERT_TRUE(repository_->remove(files[gone].id, deleted(files[gone])));
    files.erase(files.begin() + gone);
  }

  std::vector<domain::FileMetadata> seen;
  std::vector<std::size_t> sizes;
  application::FilePageRequest request{.limit = 4};
  for (int pages = 0; pages < 10; ++pages) {
    auto page = repository_->list(request);
    ASSERT_TRUE(page) << page.error().log_detail();
    sizes.push_back(page->items.size());
    seen.insert(seen.end(), page->items.begin(), page->items.end());
    if (!page->has_more) break;
    request.after = page->items.back().id;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{4, 2}));
  EXPECT_EQ(seen, files) << "every stored file once, unchanged, in id order";
}

TEST_P(SqlFileRepositoryTest, ListSaysAnotherPageFollowsOnlyWhenOneDoes) {
  auto none = repository_->list({.limit = 3});
  ASSERT_TRUE(none) << none.error().log_detail();
  EXPECT_TRUE(none->items.empty());
  EXPECT_FALSE(none->has_more);

  std::vector<domain::FileMetadata> files;
  for (int i = 0; i < 3; ++i) files.push_back(stored("objects/" + std::to_string(i)));
  auto exact = repository_->list({.limit = 3});
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->items.size(), 3u);
  EXPECT_FALSE(exact->has_more) << "as many files as asked for: no further page";
  auto short_of_one = repository_->list({.limit = 2});
  ASSERT_TRUE(short_of_one);
  EXPECT_EQ(short_of_one->items.size(), 2u);
  EXPECT_TRUE(short_of_one->has_more);
  auto after_last = repository_->list({.limit = 3, .after = files.back().id});
  ASSERT_TRUE(after_last);
  EXPECT_TRUE(after_last->items.empty());
  EXPECT_FALSE(after_last->has_more);
}

TEST_P(SqlFileRepositoryTest, ReferencedKeysAreThoseSomeMetadataStillPointsAt) {
  // More keys than one query asks about. Zero-padded, so that their sorted order (the
  // order the repository chunks them in) is their index order: the stored ones fall in
  // the first, second and last chunk.
  const std::size_t total = 2 * kKeysPerQuery + 123;
  const auto key = [](std::size_t i) {
    std::string digits = std::to_string(i);
    return "key/" + std::string(6 - digits.size(), '0') + digits;
  };
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < total; ++i) keys.push_back(key(i));
  stored(key(0));
  stored(key(kKeysPerQuery + 10));
  stored(key(total - 1));
  const domain::FileMetadata removed = stored(key(7));
  ASSERT_TRUE(repository_->remove(removed.id, deleted(removed)));
  stored("other/not-asked-about");
  keys.push_back(key(0));  // asked twice, reported once

  auto referenced = repository_->referenced_keys(keys);
  ASSERT_TRUE(referenced) << referenced.error().log_detail();
  EXPECT_EQ(*referenced,
            (std::unordered_set<std::string>{key(0), key(kKeysPerQuery + 10), key(total - 1)}));
}

TEST_P(SqlFileRepositoryTest, ReferencedKeysOfNothingIsNothing) {
  stored("objects/a");
  auto none = repository_->referenced_keys({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto absent = repository_->referenced_keys({"objects/b"});
  ASSERT_TRUE(absent);
  EXPECT_TRUE(absent->empty());
}

TEST_P(SqlFileRepositoryTest, ConcurrentInsertsOfOneStorageKeyLetExactlyOneWin) {
  std::atomic<int> wins{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      const domain::FileMetadata racer = file("objects/race");
      auto result = repository_->insert(racer, uploaded(racer));
      if (result)
        ++wins;
      else if (result.error().code() == ErrorCode::kAlreadyExists)
        ++conflicts;
      else
        ++other;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(conflicts, 7);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(outbox().size(), 1u) << "one file, one event";
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlFileRepositoryTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace file_service::infrastructure
