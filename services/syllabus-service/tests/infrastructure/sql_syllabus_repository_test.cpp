// One suite, run on SQLite and on PostgreSQL.
#include "infrastructure/sql_syllabus_repository.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include "infrastructure/migrations.h"
#include "infrastructure/syllabus_samples.h"
#include "platform/testing/test_database.h"

namespace syllabus_service::infrastructure {
namespace {

using platform::core::ErrorCode;
using platform::core::Uuid;
using platform::testing::TestBackend;

using application::Change;
using application::RevisionWrite;
using application::SyllabusFilter;

class SqlSyllabusRepositoryTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    db_ = database_.open(migration_files());
    repository_ = std::make_unique<SqlSyllabusRepository>(*db_, [this] { ++notifications_; });
  }

  static platform::core::Timestamp now() { return platform::core::now_utc(); }

  // Revision 1 of a new syllabus, a draft, not stored.
  static domain::Syllabus draft(const Uuid& subject = Uuid::v7(),
                                const std::string& year = "2026/2027",
                                domain::Term term = domain::Term::kAutumn) {
    return *domain::new_syllabus(Uuid::v7(), testing::complete_draft(subject, year, term), "author",
                                 now());
  }

  domain::Syllabus stored(const domain::Syllabus& first) {
    auto created = repository_->create(first, {domain::SyllabusCreated{first}, {}});
    EXPECT_TRUE(created) << created.error().log_detail();
    return first;
  }
  domain::Syllabus stored(const Uuid& subject = Uuid::v7(), const std::string& year = "2026/2027",
                          domain::Term term = domain::Term::kAutumn) {
    return stored(draft(subject, year, term));
  }

  // Stores `after` (at `before`'s version) with the change `event`.
  platform::core::Result<void> update(const domain::Syllabus& before,
                                      const domain::Syllabus& after) {
    return repository_->write(
        {{after, before.version}},
        {domain::SyllabusUpdated{after, domain::changed_fields(before, after)}, {}});
  }

  // Publishes `revision` without review, superseding `previous` (if any) in one write.
  domain::Syllabus publish(const domain::Syllabus& revision,
                           const std::optional<domain::Syllabus>& previous = std::nullopt) {
    const domain::Syllabus published = *domain::publish(revision, {false}, "reviewer", now());
    std::vector<RevisionWrite> writes{{published, revision.version}};
    if (previous)
      writes.push_back({*domain::supersede(*previous, "reviewer", now()), previous->version});
    auto result = repository_->write(
        writes, {domain::SyllabusPublished{
                     published, previous ? std::optional(previous->revision) : std::nullopt},
                 {}});
    EXPECT_TRUE(result) << result.error().log_detail();
    return published;
  }

  // Opens the next revision of a published one, a draft.
  domain::Syllabus open_next(const domain::Syllabus& published) {
    const domain::Syllabus next = *domain::open_revision(published, "author", now());
    auto result = repository_->write({{next, std::nullopt}}, {domain::SyllabusCreated{next}, {}});
    EXPECT_TRUE(result) << result.error().log_detail();
    return next;
  }

  // The outbox's event types in commit order.
  std::vector<std::string> outbox_types() {
    std::vector<std::string> types;
    auto read =
        db_->read<void>([&](platform::db::Session& session) -> platform::core::Result<void> {
          soci::rowset<std::string> rows =
              (session.sql().prepare << "SELECT type FROM outbox ORDER BY seq");
          for (const auto& type : rows) types.push_back(type);
          return platform::core::ok();
        });
    EXPECT_TRUE(read) << read.error().log_detail();
    return types;
  }

  // How many rows `table` holds.
  long long rows_of(const std::string& table) {
    long long count = -1;
    auto read =
        db_->read<void>([&](platform::db::Session& session) -> platform::core::Result<void> {
          session.sql() << "SELECT COUNT(*) FROM " + table, soci::into(count);
          return platform::core::ok();
        });
    EXPECT_TRUE(read) << read.error().log_detail();
    return count;
  }

  std::vector<std::string> titles(const application::SyllabusPage& page) {
    std::vector<std::string> result;
    for (const auto& s : page.items) result.push_back(s.title);
    return result;
  }

  // Every page of a listing, following the cursors.
  std::vector<domain::Syllabus> all_pages(SyllabusFilter filter, int* pages = nullptr) {
    std::vector<domain::Syllabus> seen;
    for (int page_count = 1;; ++page_count) {
      auto page = repository_->list(filter);
      EXPECT_TRUE(page) << page.error().log_detail();
      if (!page) break;
      EXPECT_LE(page->items.size(), filter.limit);
      for (auto& s : page->items) seen.push_back(std::move(s));
      if (pages) *pages = page_count;
      if (!page->next) break;
      EXPECT_LT(page_count, 100) << "paging does not end";
      if (page_count >= 100) break;
      filter.after = page->next;
    }
    return seen;
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<platform::db::Database> db_;
  std::unique_ptr<SqlSyllabusRepository> repository_;
  std::atomic<int> notifications_{0};
};

// ---- Create and read ----------------------------------------------------------------------

TEST_P(SqlSyllabusRepositoryTest, CreatesASyllabusAndReadsItsWorkingRevisionUnchanged) {
  const domain::Syllabus s = stored();
  auto working = repository_->working(s.id);
  ASSERT_TRUE(working) << working.error().log_detail();
  EXPECT_EQ(*working, s);
  EXPECT_EQ(*repository_->revision(s.id, 1), s);
  EXPECT_EQ(*repository_->revisions(s.id), std::vector<domain::Syllabus>{s});
  EXPECT_EQ(repository_->published(s.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(outbox_types(), std::vector<std::string>{"syllabus.created.v1"});
  EXPECT_EQ(notifications_, 1);
}

TEST_P(SqlSyllabusRepositoryTest, ReportsAMissingSyllabusOrRevision) {
  const Uuid missing = Uuid::v7();
  EXPECT_EQ(repository_->working(missing).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(repository_->revision(missing, 1).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(repository_->published(missing).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(repository_->revisions(missing).error().code(), ErrorCode::kNotFound);
  const domain::Syllabus s = stored();
  EXPECT_EQ(repository_->revision(s.id, 2).error().code(), ErrorCode::kNotFound);
}

TEST_P(SqlSyllabusRepositoryTest, RefusesASecondSyllabusWithTheSameIdentity) {
  const domain::Syllabus first = stored();
  const domain::Syllabus twin = draft(first.subject_id);
  auto again = repository_->create(twin, {domain::SyllabusCreated{twin}, {}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().detail(), "a syllabus of subject " + first.subject_id.to_string() +
                                        " for 2026/2027 autumn exists already");
  EXPECT_EQ(outbox_types().size(), 1u) << "the refused create must not leave an event";
  EXPECT_EQ(notifications_, 1);
  // Another term or year of the same subject is another syllabus; the failed
  // transaction left the connection usable.
  stored(first.subject_id, "2026/2027", domain::Term::kSpring);
  stored(first.subject_id, "2027/2028", domain::Term::kAutumn);
  EXPECT_EQ(outbox_types().size(), 3u);
}

TEST_P(SqlSyllabusRepositoryTest, SixteenConcurrentCreatesOfOneIdentityLetExactlyOneWin) {
  const Uuid subject = Uuid::v7();
  std::atomic<int> wins{0}, conflicts{0}, other{0};
  std::latch start(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      const domain::Syllabus racer = draft(subject);
      start.arrive_and_wait();
      auto result = repository_->create(racer, {domain::SyllabusCreated{racer}, {}});
      if (result)
        ++wins;
      else if (result.error().code() == ErrorCode::kAlreadyExists)
        ++conflicts;
      else
        ++other;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(conflicts, 15);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(outbox_types().size(), 1u) << "one syllabus, one event";
}

// ---- Write --------------------------------------------------------------------------------

TEST_P(SqlSyllabusRepositoryTest, WritesOnlyAtTheExpectedVersion) {
  const domain::Syllabus s = stored();
  const domain::Syllabus edited = *domain::apply(s, {.title = "Renamed"}, "author", now());
  ASSERT_TRUE(update(s, edited));
  EXPECT_EQ(repository_->working(s.id)->title, "Renamed");
  EXPECT_EQ(repository_->working(s.id)->version, 2);

  const domain::Syllabus lost = *domain::apply(s, {.title = "Lost"}, "other", now());
  auto stale = update(s, lost);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(stale.error().detail(),
            "revision 1 of syllabus " + s.id.to_string() + " is at version 2, not 1");
  EXPECT_EQ(repository_->working(s.id)->title, "Renamed");
  EXPECT_EQ(outbox_types(),
            (std::vector<std::string>{"syllabus.created.v1", "syllabus.updated.v1"}))
      << "the failed write must not leave an event";
  EXPECT_EQ(notifications_, 2);
}

TEST_P(SqlSyllabusRepositoryTest, WriteOfAMissingSyllabusOrRevisionIsNotFound) {
  const domain::Syllabus ghost = draft();
  auto missing = repository_->write({{ghost, 1}}, {domain::SyllabusUpdated{ghost, {"title"}}, {}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

  const domain::Syllabus s = stored();
  domain::Syllabus other_revision = s;
  other_revision.revision = 7;
  auto result = repository_->write({{other_revision, 1}},
                                   {domain::SyllabusUpdated{other_revision, {"title"}}, {}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(outbox_types().size(), 1u);
}

TEST_P(SqlSyllabusRepositoryTest, MovesADraftToAnotherSubjectUnlessThatIdentityIsTaken) {
  const domain::Syllabus taken = stored();
  const domain::Syllabus s = stored();
  const domain::Syllabus moved =
      *domain::apply(s, {.subject_id = testing::kOtherSubject}, "author", now());
  ASSERT_TRUE(update(s, moved));
  EXPECT_EQ(repository_->working(s.id)->subject_id, testing::kOtherSubject);
  // The old identity is free again, the new one taken.
  stored(s.subject_id);
  EXPECT_EQ(repository_->create(draft(testing::kOtherSubject), {domain::SyllabusCreated{s}, {}})
                .error()
                .code(),
            ErrorCode::kAlreadyExists);

  const domain::Syllabus onto_taken =
      *domain::apply(moved, {.subject_id = taken.subject_id}, "author", now());
  auto collision = update(moved, onto_taken);
  ASSERT_FALSE(collision);
  EXPECT_EQ(collision.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(repository_->working(s.id)->subject_id, testing::kOtherSubject);
}

TEST_P(SqlSyllabusRepositoryTest, AnOpenRevisionIsTheWorkingOneWhileThePublishedOneStays) {
  const domain::Syllabus first = publish(stored());
  const domain::Syllabus next = open_next(first);
  EXPECT_EQ(*repository_->working(first.id), next);
  EXPECT_EQ(repository_->working(first.id)->status, domain::Status::kDraft);
  EXPECT_EQ(*repository_->published(first.id), first);
  auto all = repository_->revisions(first.id);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, (std::vector<domain::Syllabus>{first, next}));
}

TEST_P(SqlSyllabusRepositoryTest, PublishesANewRevisionSupersedingTheOldOneInOneWrite) {
  const domain::Syllabus first = publish(stored());
  const domain::Syllabus next = open_next(first);
  const domain::Syllabus edited = *domain::apply(next, {.title = "Programming I, 2nd"}, "a", now());
  ASSERT_TRUE(update(next, edited));
  // The new published revision first: the store orders the writes itself.
  const domain::Syllabus second = publish(edited, first);
  EXPECT_EQ(*repository_->published(first.id), second);
  EXPECT_EQ(*repository_->working(first.id), second);
  EXPECT_EQ(repository_->revision(first.id, 1)->status, domain::Status::kSuperseded);
  EXPECT_EQ(outbox_types(),
            (std::vector<std::string>{"syllabus.created.v1", "syllabus.published.v1",
                                      "syllabus.created.v1", "syllabus.updated.v1",
                                      "syllabus.published.v1"}));
}

TEST_P(SqlSyllabusRepositoryTest, TheWorkingRevisionIsTheLatestWhenNoneIsOpenOrPublished) {
  const domain::Syllabus first = publish(stored());
  const domain::Syllabus archived = *domain::archive(first, "admin", now());
  ASSERT_TRUE(
      repository_->write({{archived, first.version}}, {domain::SyllabusArchived{archived}, {}}));
  EXPECT_EQ(*repository_->working(first.id), archived);
  EXPECT_EQ(repository_->published(first.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(outbox_types().back(), "syllabus.archived.v1");
}

TEST_P(SqlSyllabusRepositoryTest, RefusesASecondPublishedOrOpenRevision) {
  const domain::Syllabus first = publish(stored());
  // Publishing the next revision without superseding the first breaks the rule.
  const domain::Syllabus next = open_next(first);
  const domain::Syllabus also_published = *domain::publish(next, {false}, "reviewer", now());
  auto two_published = repository_->write({{also_published, next.version}},
                                          {domain::SyllabusPublished{also_published, {}}, {}});
  ASSERT_FALSE(two_published);
  EXPECT_EQ(two_published.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(two_published.error().detail(), "another revision of syllabus " + first.id.to_string() +
                                                " was published at the same time");
  // A second open revision beside the draft.
  domain::Syllabus third = next;
  third.revision = 3;
  auto two_open = repository_->write({{third, std::nullopt}}, {domain::SyllabusCreated{third}, {}});
  ASSERT_FALSE(two_open);
  EXPECT_EQ(two_open.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(two_open.error().detail(),
            "syllabus " + first.id.to_string() + " has another open revision (draft or in review)");
  EXPECT_EQ(outbox_types().size(), 3u);
  EXPECT_EQ(*repository_->working(first.id), next);
}

TEST_P(SqlSyllabusRepositoryTest, ConcurrentPublishesOfTwoRevisionsLetExactlyOneWin) {
  for (int round = 0; round < 4; ++round) {
    // Two revisions that could each be published: an archived first one and a draft.
    const domain::Syllabus first = stored();
    const domain::Syllabus archived = *domain::archive(first, "admin", now());
    ASSERT_TRUE(
        repository_->write({{archived, first.version}}, {domain::SyllabusArchived{archived}, {}}));
    domain::Syllabus second = first;
    second.revision = 2;
    ASSERT_TRUE(
        repository_->write({{second, std::nullopt}}, {domain::SyllabusCreated{second}, {}}));
    domain::Syllabus first_published = archived;
    first_published.status = domain::Status::kPublished;
    first_published.version = archived.version + 1;
    const domain::Syllabus second_published = *domain::publish(second, {false}, "r", now());
    const std::size_t events_before = outbox_types().size();

    std::atomic<int> wins{0}, conflicts{0}, other{0};
    std::latch start(2);
    const auto racer = [&](const domain::Syllabus& revision, std::int64_t expected) {
      start.arrive_and_wait();
      auto result = repository_->write({{revision, expected}},
                                       {domain::SyllabusPublished{revision, std::nullopt}, {}});
      if (result)
        ++wins;
      else if (result.error().code() == ErrorCode::kFailedPrecondition)
        ++conflicts;
      else
        ++other;
    };
    std::thread a(racer, first_published, archived.version);
    std::thread b(racer, second_published, second.version);
    a.join();
    b.join();
    EXPECT_EQ(wins, 1) << "round " << round;
    EXPECT_EQ(conflicts, 1) << "round " << round;
    EXPECT_EQ(other, 0) << "round " << round;
    EXPECT_EQ(outbox_types().size(), events_before + 1);
    EXPECT_TRUE(repository_->published(first.id));
  }
}

TEST_P(SqlSyllabusRepositoryTest, ConcurrentOpeningsOfTheNextRevisionLetExactlyOneWin) {
  const domain::Syllabus first = publish(stored());
  std::atomic<int> wins{0}, conflicts{0}, other{0};
  std::latch start(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      const domain::Syllabus next = *domain::open_revision(first, "author", now());
      start.arrive_and_wait();
      auto result = repository_->write({{next, std::nullopt}}, {domain::SyllabusCreated{next}, {}});
      if (result)
        ++wins;
      else if (result.error().code() == ErrorCode::kFailedPrecondition)
        ++conflicts;
      else
        ++other;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(conflicts, 3);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(repository_->revisions(first.id)->size(), 2u);
}

// ---- Remove -------------------------------------------------------------------------------

TEST_P(SqlSyllabusRepositoryTest, RemovesEveryRevisionAtTheWorkingVersion) {
  const domain::Syllabus first = publish(stored());
  const domain::Syllabus next = open_next(first);
  const Change deleted{domain::SyllabusDeleted{next, now()}, {}};

  auto stale = repository_->remove(first.id, first.version, deleted);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kVersionMismatch)
      << "the working revision is the draft, at version 1";
  domain::Syllabus moved = *domain::apply(next, {.title = "Moved on"}, "author", now());
  ASSERT_TRUE(update(next, moved));
  EXPECT_EQ(repository_->remove(first.id, next.version, deleted).error().code(),
            ErrorCode::kVersionMismatch);
  const std::size_t events = outbox_types().size();

  ASSERT_TRUE(repository_->remove(first.id, moved.version, deleted));
  EXPECT_EQ(outbox_types().size(), events + 1);
  EXPECT_EQ(outbox_types().back(), "syllabus.deleted.v1");
  EXPECT_EQ(repository_->working(first.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(repository_->revision(first.id, 1).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(repository_->revisions(first.id).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(repository_->live_revisions_attaching(testing::kFileA)->empty());
  EXPECT_TRUE(repository_->list({.text = "Programming"})->items.empty());
  EXPECT_EQ(repository_->remove(first.id, moved.version, deleted).error().code(),
            ErrorCode::kNotFound);
  // Nothing of it is left behind.
  EXPECT_EQ(rows_of("syllabus_revisions"), 0);
  EXPECT_EQ(rows_of("syllabus_attachments"), 0);
  if (GetParam() == TestBackend::kSqlite) {
    EXPECT_EQ(rows_of("syllabus_search"), 0);
    EXPECT_EQ(rows_of("syllabus_search_keys"), 0);
  }
  // The identity is free again.
  stored(first.subject_id);
}

// ---- List ---------------------------------------------------------------------------------

TEST_P(SqlSyllabusRepositoryTest, FiltersBySubjectYearTermAndWorkingStatus) {
  const Uuid subject = Uuid::v7();
  const domain::Syllabus autumn = stored(subject, "2026/2027", domain::Term::kAutumn);
  const domain::Syllabus spring = publish(stored(subject, "2026/2027", domain::Term::kSpring));
  const domain::Syllabus next_year = stored(subject, "2027/2028", domain::Term::kAutumn);
  const domain::Syllabus elsewhere = stored(Uuid::v7(), "2026/2027", domain::Term::kAutumn);

  const auto ids = [&](const SyllabusFilter& filter) {
    std::vector<Uuid> result;
    auto page = repository_->list(filter);
    EXPECT_TRUE(page) << page.error().log_detail();
    for (const auto& s : page->items) result.push_back(s.id);
    return result;
  };
  EXPECT_EQ(ids({}), (std::vector<Uuid>{autumn.id, spring.id, next_year.id, elsewhere.id}));
  EXPECT_EQ(ids({.subject_id = subject}), (std::vector<Uuid>{autumn.id, spring.id, next_year.id}));
  EXPECT_EQ(ids({.academic_year = "2026/2027"}),
            (std::vector<Uuid>{autumn.id, spring.id, elsewhere.id}));
  EXPECT_EQ(ids({.subject_id = subject, .term = domain::Term::kAutumn}),
            (std::vector<Uuid>{autumn.id, next_year.id}));
  EXPECT_EQ(ids({.status = domain::Status::kPublished}), (std::vector<Uuid>{spring.id}));
  EXPECT_EQ(ids({.subject_id = subject,
                 .academic_year = "2027/2028",
                 .term = domain::Term::kAutumn,
                 .status = domain::Status::kDraft}),
            (std::vector<Uuid>{next_year.id}));
  EXPECT_TRUE(ids({.term = domain::Term::kSummer}).empty());

  // The status of the working revision: a published syllabus with an open draft is a draft.
  open_next(spring);
  EXPECT_TRUE(ids({.status = domain::Status::kPublished}).empty());
  auto page = repository_->list({.subject_id = subject, .term = domain::Term::kSpring});
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].revision, 2);
  EXPECT_FALSE(page->next);
}

TEST_P(SqlSyllabusRepositoryTest, PagesInCreationOrderWithoutRepeatsOrGapsWhileOthersInsert) {
  std::vector<Uuid> created;
  for (int i = 0; i < 10; ++i) created.push_back(stored().id);
  std::vector<Uuid> seen;
  SyllabusFilter filter{.limit = 3};
  for (int pages = 0;; ++pages) {
    auto page = repository_->list(filter);
    ASSERT_TRUE(page) << page.error().log_detail();
    for (const auto& s : page->items) seen.push_back(s.id);
    created.push_back(stored().id);  // arrives between pages, after the cursor
    if (!page->next) break;
    ASSERT_LT(pages, 20);
    filter.after = page->next;
  }
  EXPECT_EQ(std::set<Uuid>(seen.begin(), seen.end()).size(), seen.size()) << "no repeats";
  ASSERT_GE(seen.size(), 10u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], created[i]) << i;
}

TEST_P(SqlSyllabusRepositoryTest, SaysWhenThereIsNoFurtherPage) {
  for (int i = 0; i < 4; ++i) stored();
  auto full = repository_->list({.limit = 4});
  ASSERT_TRUE(full);
  EXPECT_EQ(full->items.size(), 4u);
  EXPECT_FALSE(full->next) << "exactly a page: no empty page after it";
  int pages = 0;
  EXPECT_EQ(all_pages({.limit = 1}, &pages).size(), 4u);
  EXPECT_EQ(pages, 4);
}

TEST_P(SqlSyllabusRepositoryTest, RefusesACursorItDidNotIssue) {
  stored();
  stored();
  auto page = repository_->list({.limit = 1});
  ASSERT_TRUE(page->next);
  for (const std::string& bad :
       {std::string("garbage!"), std::string("aTpub3QtYS11dWlk"), std::string("")}) {
    auto result = repository_->list({.limit = 1, .after = bad});
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code(), ErrorCode::kMalformed);
  }
  // A cursor of a listing by id does not continue a search, nor the other way round.
  EXPECT_EQ(
      repository_->list({.limit = 1, .text = "programming", .after = page->next}).error().code(),
      ErrorCode::kMalformed);
  auto ranked = repository_->list({.limit = 1, .text = "programming"});
  ASSERT_TRUE(ranked->next);
  EXPECT_EQ(repository_->list({.limit = 1, .after = ranked->next}).error().code(),
            ErrorCode::kMalformed);
}

// ---- Search -------------------------------------------------------------------------------

class SearchTest : public SqlSyllabusRepositoryTest {
 protected:
  domain::Syllabus with_text(const std::string& title, const std::string& summary,
                             const std::string& body,
                             std::vector<domain::LearningOutcome> outcomes = {{"LO1", "Read."}}) {
    domain::SyllabusDraft d = testing::complete_draft(Uuid::v7());
    d.title = title;
    d.summary = summary;
    d.body = body;
    // One exam assessing every outcome, so that the syllabus can be published.
    domain::Assessment exam{
        "Exam", domain::AssessmentKind::kExam, domain::Session::kFirst, 100, {}};
    for (const auto& outcome : outcomes) exam.outcome_codes.push_back(outcome.code);
    d.learning_outcomes = std::move(outcomes);
    d.assessments = std::vector<domain::Assessment>{exam};
    return stored(*domain::new_syllabus(Uuid::v7(), d, "author", now()));
  }
};

TEST_P(SearchTest, RanksATitleMatchAboveABodyOnlyMatch) {
  with_text("Linear Algebra", "Vectors and matrices.", "Some compilers appear in week 9.");
  with_text("Art History", "Paintings.", "Museums.");
  with_text("Compilers", "Parsing and code generation.", "Labs.");
  auto page = repository_->list({.text = "compilers"});
  ASSERT_TRUE(page) << page.error().log_detail();
  EXPECT_EQ(titles(*page), (std::vector<std::string>{"Compilers", "Linear Algebra"}));
  // Stemming: "compiler" finds "compilers"; case does not matter.
  auto stemmed = repository_->list({.text = "COMPILER"});
  ASSERT_TRUE(stemmed);
  EXPECT_EQ(stemmed->items.size(), 2u);
}

TEST_P(SearchTest, FindsWordsInLearningOutcomesAndRequiresEveryWord) {
  with_text("Databases", "Storing data.", "SQL.",
            {{"LO1", "Normalise a relational schema."}, {"LO2", "Write queries."}});
  with_text("Networks", "Packets.", "Routing and relational thinking.");
  auto outcome = repository_->list({.text = "normalise"});
  ASSERT_TRUE(outcome) << outcome.error().log_detail();
  EXPECT_EQ(titles(*outcome), std::vector<std::string>{"Databases"});
  auto both = repository_->list({.text = "relational schema"});
  ASSERT_TRUE(both);
  EXPECT_EQ(titles(*both), std::vector<std::string>{"Databases"});
  EXPECT_TRUE(repository_->list({.text = "quantum"})->items.empty());
  EXPECT_TRUE(repository_->list({.text = "  \"!!\"  "})->items.empty());
  EXPECT_TRUE(repository_->list({.text = ""})->items.empty());
  // Search syntax in the text is taken as words, never as query operators.
  EXPECT_TRUE(repository_->list({.text = "schema OR NOT \"x\" * ( :"}));
}

TEST_P(SearchTest, CombinesTextWithFilters) {
  const domain::Syllabus a = with_text("Compilers", "One.", "x");
  with_text("Compilers II", "Two.", "x");
  auto filtered = repository_->list({.subject_id = a.subject_id, .text = "compilers"});
  ASSERT_TRUE(filtered) << filtered.error().log_detail();
  EXPECT_EQ(titles(*filtered), std::vector<std::string>{"Compilers"});
  EXPECT_TRUE(repository_->list({.status = domain::Status::kPublished, .text = "compilers"})
                  ->items.empty());
}

TEST_P(SearchTest, SearchesTheWorkingRevision) {
  const domain::Syllabus first = publish(with_text("Operating Systems", "Kernels.", "x"));
  const domain::Syllabus next = open_next(first);
  ASSERT_TRUE(update(next, *domain::apply(next, {.title = "Distributed Systems"}, "a", now())));
  EXPECT_EQ(titles(*repository_->list({.text = "distributed"})),
            std::vector<std::string>{"Distributed Systems"});
  EXPECT_TRUE(repository_->list({.text = "operating"})->items.empty());
}

TEST_P(SearchTest, PagesThroughRankedResultsWithoutRepeatsOrGaps) {
  // Ranks differ (one to five mentions in the body) and tie (the same text twice).
  for (int i = 1; i <= 5; ++i) {
    std::string body;
    for (int j = 0; j < i; ++j) body += "graph ";
    with_text("Course " + std::to_string(i), "Summary.", body + "and more words here");
    with_text("Twin " + std::to_string(i), "Summary.", body + "and more words here");
  }
  with_text("Unrelated", "Nothing.", "trees");
  auto everything = repository_->list({.limit = 50, .text = "graph"});
  ASSERT_TRUE(everything) << everything.error().log_detail();
  ASSERT_EQ(everything->items.size(), 10u);
  int pages = 0;
  const auto paged = all_pages({.limit = 3, .text = "graph"}, &pages);
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(paged.size(), everything->items.size());
  for (std::size_t i = 0; i < paged.size(); ++i)
    EXPECT_EQ(paged[i].id, everything->items[i].id) << i;
}

// ---- Live revisions -----------------------------------------------------------------------

TEST_P(SqlSyllabusRepositoryTest, FindsTheLiveRevisionsOfASubject) {
  const Uuid subject = Uuid::v7();
  const domain::Syllabus first = publish(stored(subject));
  const domain::Syllabus next = open_next(first);
  const domain::Syllabus spring = stored(subject, "2026/2027", domain::Term::kSpring);
  const domain::Syllabus summer = stored(subject, "2026/2027", domain::Term::kSummer);
  const domain::Syllabus archived = *domain::archive(summer, "admin", now());
  ASSERT_TRUE(
      repository_->write({{archived, summer.version}}, {domain::SyllabusArchived{archived}, {}}));
  stored();  // another subject

  auto live = repository_->live_revisions_of_subject(subject);
  ASSERT_TRUE(live) << live.error().log_detail();
  EXPECT_EQ(*live, (std::vector<domain::Syllabus>{first, next, spring}));
  EXPECT_TRUE(repository_->live_revisions_of_subject(Uuid::v7())->empty());
}

TEST_P(SqlSyllabusRepositoryTest, FindsTheLiveRevisionsAttachingAFile) {
  const domain::Syllabus first = publish(stored());  // attaches file A
  const domain::Syllabus next = open_next(first);
  const domain::Syllabus without_a =
      *domain::apply(next, {.attachments = std::vector<Uuid>{testing::kFileB}}, "a", now());
  ASSERT_TRUE(update(next, without_a));
  const domain::Syllabus other = stored();  // attaches file A
  const domain::Syllabus gone = *domain::archive(stored(), "admin", now());
  ASSERT_TRUE(repository_->write({{gone, 1}}, {domain::SyllabusArchived{gone}, {}}));

  auto a = repository_->live_revisions_attaching(testing::kFileA);
  ASSERT_TRUE(a) << a.error().log_detail();
  std::set<std::pair<Uuid, std::int64_t>> found;
  for (const auto& s : *a) found.insert({s.id, s.revision});
  EXPECT_EQ(found, (std::set<std::pair<Uuid, std::int64_t>>{{first.id, 1}, {other.id, 1}}));
  auto b = repository_->live_revisions_attaching(testing::kFileB);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, std::vector<domain::Syllabus>{without_a});
  EXPECT_TRUE(repository_->live_revisions_attaching(Uuid::v7())->empty());
}

// ---- Events -------------------------------------------------------------------------------

TEST_P(SqlSyllabusRepositoryTest, EachChangeWritesExactlyOneEventOfItsType) {
  const domain::Syllabus created = stored();
  const domain::Syllabus edited = *domain::apply(created, {.summary = "New."}, "a", now());
  ASSERT_TRUE(update(created, edited));
  const domain::Syllabus submitted = *domain::submit(edited, "a", now());
  ASSERT_TRUE(repository_->write({{submitted, edited.version}},
                                 {domain::SyllabusSubmitted{submitted}, {}}));
  const domain::Syllabus published = *domain::publish(submitted, {}, "r", now());
  ASSERT_TRUE(repository_->write({{published, submitted.version}},
                                 {domain::SyllabusPublished{published, {}}, {}}));
  const domain::Syllabus archived = *domain::archive(published, "admin", now());
  ASSERT_TRUE(repository_->write({{archived, published.version}},
                                 {domain::SyllabusArchived{archived}, {}}));
  ASSERT_TRUE(repository_->remove(created.id, archived.version,
                                  {domain::SyllabusDeleted{archived, now()}, {}}));
  EXPECT_EQ(outbox_types(),
            (std::vector<std::string>{"syllabus.created.v1", "syllabus.updated.v1",
                                      "syllabus.submitted.v1", "syllabus.published.v1",
                                      "syllabus.archived.v1", "syllabus.deleted.v1"}));
  EXPECT_EQ(notifications_, 6);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlSyllabusRepositoryTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, SearchTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace syllabus_service::infrastructure
