// One suite, run on SQLite and on PostgreSQL.
#include "infrastructure/sql_subject_repository.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "infrastructure/migrations.h"
#include "platform/db/migrations.h"
#include "platform/events/outbox.h"
#include "platform/testing/test_database.h"

namespace subject_service::infrastructure {
namespace {

using platform::core::ErrorCode;
using platform::core::Uuid;
using platform::testing::TestBackend;

class SqlSubjectRepositoryTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    db_ = database_.open(migration_files());
    repository_ = std::make_unique<SqlSubjectRepository>(*db_);
  }

  domain::Subject subject(const std::string& code, const std::string& department = "CS") {
    return domain::new_subject(Uuid::v7(),
                               {.code = code,
                                .name = "Name of " + code,
                                .description = "About " + code,
                                .credits = 6,
                                .department = department},
                               platform::core::now_utc());
  }

  domain::Subject stored(const std::string& code, const std::string& department = "CS") {
    domain::Subject s = subject(code, department);
    EXPECT_TRUE(repository_->insert(s, created(s)));
    return s;
  }

  static application::Change created(const domain::Subject& s) {
    return {domain::SubjectCreated{s}, {}};
  }
  static application::Change updated(const domain::Subject& s) {
    return {domain::SubjectUpdated{s, {"name"}}, {}};
  }
  static application::Change deleted(const domain::Subject& s) {
    return {domain::SubjectDeleted{s, platform::core::now_utc()}, {}};
  }

  std::uint64_t outbox_backlog() {
    auto status = platform::events::outbox_status(*db_);
    EXPECT_TRUE(status);
    return status ? status->backlog : 0;
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<platform::db::Database> db_;
  std::unique_ptr<SqlSubjectRepository> repository_;
};

TEST_P(SqlSubjectRepositoryTest, InsertsAndFindsASubjectUnchanged) {
  domain::Subject s = subject("CS-101");
  s.name = "Ünïcødé 'quoted' \"double\" ✓ 𝄞 -- ; DROP TABLE subjects;";
  s.description = "line\nbreak\ttab \\ backslash";
  ASSERT_TRUE(repository_->insert(s, created(s)));
  auto found = repository_->find(s.id);
  ASSERT_TRUE(found) << found.error().detail();
  EXPECT_EQ(*found, s);
}

TEST_P(SqlSubjectRepositoryTest, ImportCreatesEachLegacyRowOnceWithItsEvent) {
  using platform::core::ImportOutcome;
  domain::Subject first = subject("CS-101");
  first.created_at = *platform::core::parse_rfc3339("2019-09-01T08:00:00Z");
  first.updated_at = *platform::core::parse_rfc3339("2021-02-03T10:00:00Z");
  const domain::Subject second = subject("MA-201");

  auto results = repository_->import({{"17", first}, {"18", second}}, {});
  ASSERT_TRUE(results) << results.error().detail();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].outcome, ImportOutcome::kCreated);
  EXPECT_EQ((*results)[0].id, first.id.to_string());
  EXPECT_EQ(repository_->find(first.id).value(), first) << "legacy times are kept";
  EXPECT_EQ(outbox_backlog(), 2u) << "one subject.created per subject";

  // Run again, as a resumed migration does: same ids, nothing written.
  domain::Subject again = subject("CS-101");
  auto repeated = repository_->import({{"17", again}, {"18", subject("MA-201")}}, {});
  ASSERT_TRUE(repeated) << repeated.error().detail();
  EXPECT_EQ((*repeated)[0].outcome, ImportOutcome::kExisting);
  EXPECT_EQ((*repeated)[0].id, first.id.to_string());
  EXPECT_EQ((*repeated)[1].id, second.id.to_string());
  EXPECT_FALSE(repository_->find(again.id));
  EXPECT_EQ(outbox_backlog(), 2u);
}

TEST_P(SqlSubjectRepositoryTest, ImportAnswersConflictForACodeAnotherSubjectHolds) {
  using platform::core::ImportOutcome;
  const domain::Subject native = stored("CS-101");
  const domain::Subject legacy = subject("CS-101");
  const domain::Subject other = subject("PH-100");

  auto results = repository_->import({{"1", legacy}, {"2", other}}, {});

  ASSERT_TRUE(results) << results.error().detail();
  EXPECT_EQ((*results)[0].outcome, ImportOutcome::kConflict);
  EXPECT_NE((*results)[0].detail.find(native.id.to_string()), std::string::npos);
  EXPECT_EQ((*results)[1].outcome, ImportOutcome::kCreated);
  EXPECT_FALSE(repository_->find(legacy.id));
  EXPECT_EQ(outbox_backlog(), 2u) << "the native subject's event and the imported one's";
}

TEST_P(SqlSubjectRepositoryTest, FindReportsAMissingSubject) {
  auto found = repository_->find(Uuid::v7());
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code(), ErrorCode::kNotFound);
}

TEST_P(SqlSubjectRepositoryTest, RefusesASecondSubjectWithTheSameCode) {
  stored("CS-101");
  const domain::Subject duplicate = subject("CS-101");
  auto again = repository_->insert(duplicate, created(duplicate));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().detail(), "a subject with code CS-101 exists already");
  EXPECT_EQ(outbox_backlog(), 1u) << "the refused insert must not leave an event";
  // The failed transaction left the connection usable.
  const domain::Subject other = subject("CS-102");
  EXPECT_TRUE(repository_->insert(other, created(other)));
}

TEST_P(SqlSubjectRepositoryTest, UpdatesOnlyAtTheExpectedVersion) {
  domain::Subject s = stored("CS-101");
  domain::Subject changed = domain::apply(s, {.name = "Renamed"}, platform::core::now_utc());
  ASSERT_TRUE(repository_->update(changed, 1, updated(changed)));
  EXPECT_EQ(repository_->find(s.id)->name, "Renamed");
  EXPECT_EQ(repository_->find(s.id)->version, 2);
  EXPECT_EQ(outbox_backlog(), 2u);

  const domain::Subject lost = domain::apply(s, {.name = "Lost"}, {});
  auto stale = repository_->update(lost, 1, updated(lost));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(repository_->find(s.id)->name, "Renamed");
  EXPECT_EQ(outbox_backlog(), 2u);
}

TEST_P(SqlSubjectRepositoryTest, UpdateToATakenCodeIsRefused) {
  stored("CS-101");
  domain::Subject other = stored("CS-102");
  const domain::Subject renamed = domain::apply(other, {.code = "CS-101"}, {});
  auto result = repository_->update(renamed, 1, updated(renamed));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(repository_->find(other.id)->code, "CS-102");
}

TEST_P(SqlSubjectRepositoryTest, UpdateOfAMissingSubjectIsNotFound) {
  const domain::Subject missing = subject("CS-101");
  auto result = repository_->update(missing, 1, updated(missing));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
}

TEST_P(SqlSubjectRepositoryTest, RemovesOnlyAtTheExpectedVersion) {
  domain::Subject a = stored("CS-101");
  auto stale = repository_->remove(a.id, 5, deleted(a));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(outbox_backlog(), 1u);
  EXPECT_TRUE(repository_->remove(a.id, 1, deleted(a)));
  EXPECT_EQ(outbox_backlog(), 2u);
  EXPECT_EQ(repository_->remove(a.id, 1, deleted(a)).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(repository_->find(a.id).error().code(), ErrorCode::kNotFound);
}

TEST_P(SqlSubjectRepositoryTest, ListsInCreationOrderPageByPage) {
  std::vector<std::string> codes;
  for (int i = 0; i < 7; ++i) codes.push_back(stored("C-" + std::to_string(i)).code);
  std::vector<std::string> seen;
  application::SubjectFilter filter{.limit = 3};
  for (;;) {
    auto page = repository_->list(filter);
    ASSERT_TRUE(page) << page.error().log_detail();
    for (const auto& s : page->items) seen.push_back(s.code);
    if (!page->has_more) break;
    filter.after = page->items.back().id;
  }
  EXPECT_EQ(seen, codes);
}

TEST_P(SqlSubjectRepositoryTest, PagingNeitherSkipsNorRepeatsWhileOthersInsert) {
  for (int i = 0; i < 10; ++i) stored("OLD-" + std::to_string(i));
  std::set<std::string> seen;
  int repeats = 0;
  application::SubjectFilter filter{.limit = 3};
  int inserted = 0;
  for (;;) {
    auto page = repository_->list(filter);
    ASSERT_TRUE(page);
    for (const auto& s : page->items)
      if (!seen.insert(s.code).second) ++repeats;
    stored("NEW-" + std::to_string(inserted++));  // arrives between pages
    if (!page->has_more) break;
    filter.after = page->items.back().id;
  }
  EXPECT_EQ(repeats, 0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(seen.contains("OLD-" + std::to_string(i))) << i;
}

TEST_P(SqlSubjectRepositoryTest, FiltersByDepartmentAndByTextInCodeOrName) {
  stored("CS-101", "Computer Science");
  stored("CS-102", "Computer Science");
  domain::Subject math = subject("MA-201", "Mathematics");
  math.name = "Linear Algebra";
  ASSERT_TRUE(repository_->insert(math, created(math)));

  auto by_department = repository_->list({.limit = 10, .department = "Mathematics"});
  ASSERT_TRUE(by_department);
  ASSERT_EQ(by_department->items.size(), 1u);
  EXPECT_EQ(by_department->items[0].code, "MA-201");

  auto by_code = repository_->list({.limit = 10, .text = "cs-1"});
  ASSERT_TRUE(by_code);
  EXPECT_EQ(by_code->items.size(), 2u);

  auto by_name = repository_->list({.limit = 10, .text = "ALGEBRA"});
  ASSERT_TRUE(by_name);
  ASSERT_EQ(by_name->items.size(), 1u);

  auto combined =
      repository_->list({.limit = 10, .department = "Computer Science", .text = "algebra"});
  ASSERT_TRUE(combined);
  EXPECT_TRUE(combined->items.empty());
}

TEST_P(SqlSubjectRepositoryTest, TreatsLikeWildcardsInSearchTextLiterally) {
  domain::Subject percent = subject("P-1");
  percent.name = "100% effort";
  ASSERT_TRUE(repository_->insert(percent, created(percent)));
  stored("P-2");
  auto result = repository_->list({.limit = 10, .text = "%"});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->items.size(), 1u);
  EXPECT_EQ(result->items[0].code, "P-1");
  auto underscore = repository_->list({.limit = 10, .text = "_"});
  ASSERT_TRUE(underscore);
  EXPECT_TRUE(underscore->items.empty());
}

TEST_P(SqlSubjectRepositoryTest, ConcurrentInsertsOfOneCodeLetExactlyOneWin) {
  std::atomic<int> wins{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      const domain::Subject racer = subject("RACE-1");
      auto result = repository_->insert(racer, created(racer));
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
  EXPECT_EQ(outbox_backlog(), 1u) << "one subject, one event";
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlSubjectRepositoryTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace subject_service::infrastructure
