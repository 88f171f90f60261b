#include "platform/db/database.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

#include "backend_test.h"
#include "platform/testing/postgres.h"
#include "platform/testing/temp_dir.h"

namespace platform::db {
namespace {

using core::ErrorCode;

class DatabaseTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure() || HasNonfatalFailure()) return;
    database_ = open_database();
    ASSERT_TRUE(database_);
    core::Result<void> created = database_->run_session([](Session& session) -> core::Result<void> {
      session.sql() << "CREATE TABLE items (code TEXT PRIMARY KEY, amount INTEGER NOT NULL)";
      return core::ok();
    });
    ASSERT_TRUE(created) << created.error().log_detail();
  }

  static core::Result<void> insert(Session& session, const std::string& code, int amount = 1) {
    session.sql() << "INSERT INTO items (code, amount) VALUES (:code, :amount)", soci::use(code),
        soci::use(amount);
    return core::ok();
  }

  int count_items(Database& database) {
    core::Result<int> count = database.read<int>([](Session& session) -> core::Result<int> {
      int count = 0;
      session.sql() << "SELECT COUNT(*) FROM items", soci::into(count);
      return count;
    });
    EXPECT_TRUE(count) << count.error().log_detail();
    return count ? *count : -1;
  }
  int count_items() { return count_items(*database_); }

  std::unique_ptr<Database> database_;
};

TEST_P(DatabaseTest, CommitsTheTransactionWhenTheWorkSucceeds) {
  core::Result<std::string> result =
      database_->transaction<std::string>([](Session& session) -> core::Result<std::string> {
        if (auto inserted = insert(session, "CS101"); !inserted) return inserted.error();
        return std::string("inserted");
      });

  ASSERT_TRUE(result) << result.error().log_detail();
  EXPECT_EQ(*result, "inserted");
  EXPECT_EQ(count_items(), 1);
}

TEST_P(DatabaseTest, RollsBackWhenTheWorkReturnsAnError) {
  core::Result<void> result =
      database_->run_transaction([](Session& session) -> core::Result<void> {
        if (auto inserted = insert(session, "CS101"); !inserted) return inserted;
        return core::Error::not_found("no such thing");
      });

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(count_items(), 0);
}

TEST_P(DatabaseTest, RollsBackWhenTheWorkThrows) {
  core::Result<void> result =
      database_->run_transaction([](Session& session) -> core::Result<void> {
        if (auto inserted = insert(session, "CS101"); !inserted) return inserted;
        throw std::runtime_error("boom");
      });

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInternal);
  EXPECT_NE(result.error().log_detail().find("boom"), std::string::npos);
  EXPECT_EQ(count_items(), 0);
}

TEST_P(DatabaseTest, KeepsSqlOutOfTheClientDetailOfAFailedStatement) {
  core::Result<void> result =
      database_->run_transaction([](Session& session) -> core::Result<void> {
        session.sql() << "SELECT secret_column FROM no_such_table";
        return core::ok();
      });

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(result.error().detail().find("no_such_table"), std::string::npos);
  EXPECT_NE(result.error().log_detail().find("no_such_table"), std::string::npos);
}

TEST_P(DatabaseTest, ReportsAUniqueViolationAsAlreadyExistsAndRollsBack) {
  auto database = open_database(1);  // one session, so the failed one is the one reused
  ASSERT_TRUE(database);
  ASSERT_TRUE(database->run_transaction([](Session& s) { return insert(s, "CS101"); }));

  core::Result<void> duplicate =
      database->run_transaction([](Session& session) -> core::Result<void> {
        if (auto inserted = insert(session, "MA201"); !inserted) return inserted;
        return insert(session, "CS101");
      });

  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(duplicate.error().detail().find("INSERT"), std::string::npos);
  EXPECT_EQ(count_items(*database), 1);  // MA201 was rolled back with it
  core::Result<void> next =
      database->run_transaction([](Session& s) { return insert(s, "PH301"); });
  EXPECT_TRUE(next) << next.error().log_detail();
  EXPECT_EQ(count_items(*database), 2);
}

TEST_P(DatabaseTest, AnswersPing) {
  core::Result<void> pinged = database_->ping();
  EXPECT_TRUE(pinged) << pinged.error().log_detail();
}

TEST_P(DatabaseTest, ServesEightThreadsFromAPoolOfTwo) {
  auto database = open_database(2);
  ASSERT_TRUE(database);
  constexpr int kThreads = 8;
  constexpr int kInsertsPerThread = 10;
  std::atomic<int> failures = 0;
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kInsertsPerThread; ++i) {
        std::string code = "T" + std::to_string(t) + "-" + std::to_string(i);
        if (!database->run_transaction([&](Session& s) { return insert(s, code); })) ++failures;
      }
    });
  }
  threads.clear();

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(count_items(*database), kThreads * kInsertsPerThread);
}

TEST_P(DatabaseTest, LetsExactlyOneOfEightConcurrentInsertsOfTheSameKeyWin) {
  constexpr int kThreads = 8;
  auto database = open_database(kThreads);
  ASSERT_TRUE(database);
  std::latch start(kThreads);
  std::atomic<int> successes = 0;
  std::atomic<int> already_exists = 0;
  std::vector<std::string> others;
  std::mutex others_mutex;
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      core::Result<void> result =
          database->run_transaction([](Session& s) { return insert(s, "CS101"); });
      if (result) {
        ++successes;
      } else if (result.error().code() == ErrorCode::kAlreadyExists) {
        ++already_exists;
      } else {
        std::lock_guard lock(others_mutex);
        others.push_back(result.error().log_detail());
      }
    });
  }
  threads.clear();

  EXPECT_EQ(successes, 1);
  EXPECT_EQ(already_exists, kThreads - 1);
  EXPECT_TRUE(others.empty()) << others.front();
  EXPECT_EQ(count_items(*database), 1);
}

TEST_P(DatabaseTest, ReportsAnExhaustedPoolAsUnavailable) {
  core::Result<std::unique_ptr<Database>> opened = Database::open(
      {.url = url(), .pool_size = 1, .acquire_timeout = std::chrono::milliseconds(100)});
  ASSERT_TRUE(opened);
  Database& database = **opened;

  core::Result<void> nested = core::ok();
  core::Result<void> outer = database.run_session([&](Session&) -> core::Result<void> {
    nested = database.ping();  // the only session is taken by this very call
    return core::ok();
  });

  ASSERT_TRUE(outer);
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(nested.error().detail().find("database pool exhausted"), std::string::npos);
  EXPECT_TRUE(database.ping());  // the session went back to the pool
}

TEST_P(DatabaseTest, ReportsItsPoolInUseAndWaiting) {
  core::Result<std::unique_ptr<Database>> opened =
      Database::open({.url = url(), .pool_size = 2, .acquire_timeout = std::chrono::seconds(5)});
  ASSERT_TRUE(opened);
  Database& database = **opened;
  EXPECT_EQ(database.pool_stats().size, 2U);
  EXPECT_EQ(database.pool_stats().in_use, 0U);

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<std::thread> holders;
  // Both sessions are held, and a third caller waits for one.
  for (int i = 0; i < 3; ++i) {
    holders.emplace_back([&database, released] {
      (void)database.run_session([&](Session&) -> core::Result<void> {
        released.wait();
        return core::ok();
      });
    });
  }
  PoolStats busy;
  for (int i = 0; i < 500; ++i) {
    busy = database.pool_stats();
    if (busy.in_use == 2 && busy.waiting == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(busy.in_use, 2U);
  EXPECT_EQ(busy.waiting, 1U);

  release.set_value();
  for (auto& holder : holders) holder.join();
  EXPECT_EQ(database.pool_stats().in_use, 0U);
  EXPECT_EQ(database.pool_stats().waiting, 0U);
}

TEST_P(DatabaseTest, ReadsTheValueTheWorkReturns) {
  ASSERT_TRUE(database_->run_transaction([](Session& s) { return insert(s, "CS101", 7); }));

  core::Result<int> amount = database_->read<int>([](Session& session) -> core::Result<int> {
    int amount = 0;
    session.sql() << "SELECT amount FROM items WHERE code = 'CS101'", soci::into(amount);
    return amount;
  });

  ASSERT_TRUE(amount);
  EXPECT_EQ(*amount, 7);
}

SYL_INSTANTIATE_ON_BOTH_BACKENDS(DatabaseTest);

TEST(DatabaseOpen, RejectsBadUrlsAsInvalidArgument) {
  for (const char* url : {"", "mysql://localhost/db", "sqlite://", "sqlite:", "subject.db",
                          "postgresql://host:5432/db?no_such_option=1"}) {
    core::Result<std::unique_ptr<Database>> opened = Database::open({.url = url});
    ASSERT_FALSE(opened) << url;
    EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidArgument) << url;
    EXPECT_NE(opened.error().detail().find("invalid database URL"), std::string::npos) << url;
  }
}

TEST(DatabaseOpen, ReportsAnUnreachableServerAsUnavailableQuickly) {
  auto started = std::chrono::steady_clock::now();

  core::Result<std::unique_ptr<Database>> opened = Database::open(
      {.url = "postgresql://postgres:hunter2@127.0.0.1:1/postgres?connect_timeout=2"});

  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(opened.error().detail().find("hunter2"), std::string::npos);
  EXPECT_EQ(opened.error().log_detail().find("hunter2"), std::string::npos);
  EXPECT_NE(opened.error().log_detail().find("127.0.0.1"), std::string::npos);
}

TEST(DatabaseOpen, CreatesTheDirectoriesOfTheSqliteFile) {
  testing::TemporaryDirectory directory;
  std::filesystem::path file = directory.path() / "nested" / "deeper" / "subject.db";

  core::Result<std::unique_ptr<Database>> opened =
      Database::open({.url = "sqlite://" + file.string()});

  ASSERT_TRUE(opened) << opened.error().log_detail();
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ((*opened)->backend(), Backend::kSqlite);
}

TEST(DatabaseOpen, PutsTheSqliteDatabaseInWalModeWithForeignKeysOn) {
  testing::TemporaryDirectory directory;
  auto opened = Database::open({.url = "sqlite://" + (directory.path() / "a.db").string()});
  ASSERT_TRUE(opened);

  std::string journal_mode;
  int foreign_keys = 0;
  int busy_timeout = 0;
  ASSERT_TRUE((*opened)->run_session([&](Session& session) -> core::Result<void> {
    session.sql() << "PRAGMA journal_mode", soci::into(journal_mode);
    session.sql() << "PRAGMA foreign_keys", soci::into(foreign_keys);
    session.sql() << "PRAGMA busy_timeout", soci::into(busy_timeout);
    return core::ok();
  }));

  EXPECT_EQ(journal_mode, "wal");
  EXPECT_EQ(foreign_keys, 1);
  EXPECT_EQ(busy_timeout, 5000);
}

TEST(DatabaseOpen, KeepsAnInMemoryDatabaseAcrossCalls) {
  auto opened = Database::open({.url = "sqlite::memory:"});
  ASSERT_TRUE(opened) << opened.error().log_detail();
  Database& database = **opened;

  ASSERT_TRUE(database.run_transaction([](Session& session) -> core::Result<void> {
    session.sql() << "CREATE TABLE t (a INTEGER)";
    session.sql() << "INSERT INTO t VALUES (42)";
    return core::ok();
  }));
  core::Result<int> value = database.read<int>([](Session& session) -> core::Result<int> {
    int a = 0;
    session.sql() << "SELECT a FROM t", soci::into(a);
    return a;
  });

  ASSERT_TRUE(value) << value.error().log_detail();
  EXPECT_EQ(*value, 42);
}

TEST(DatabaseOpen, MasksThePasswordInTheDisplayUrl) {
  testing::TemporaryPostgresDatabase postgres;
  std::string url = postgres.url();
  ASSERT_NE(url.find('@'), std::string::npos) << "expected a user in " << url;
  url.insert(url.find('@'), ":hunter2");  // the test server trusts local users: never asked for

  auto opened = Database::open({.url = url, .pool_size = 1});

  ASSERT_TRUE(opened) << opened.error().log_detail();
  EXPECT_EQ((*opened)->backend(), Backend::kPostgresql);
  EXPECT_EQ((*opened)->display_url().find("hunter2"), std::string::npos);
  EXPECT_NE((*opened)->display_url().find(":***@"), std::string::npos);
}

TEST(DatabaseOpen, PassesDecodedAndQuotedOptionsToThePostgresqlServer) {
  testing::TemporaryPostgresDatabase postgres;
  struct Case {
    const char* encoded;
    const char* decoded;
  };
  for (const Case& c :
       {Case{"it%27s%20a%20test", "it's a test"}, Case{"say%22hi%5C", "say\"hi\\"}}) {
    std::string url = postgres.url();
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += std::string("application_name=") + c.encoded;
    auto opened = Database::open({.url = url, .pool_size = 1});
    ASSERT_TRUE(opened) << opened.error().log_detail();

    core::Result<std::string> name =
        (*opened)->read<std::string>([](Session& session) -> core::Result<std::string> {
          std::string name;
          session.sql() << "SELECT current_setting('application_name')", soci::into(name);
          return name;
        });

    ASSERT_TRUE(name) << name.error().log_detail();
    EXPECT_EQ(*name, c.decoded);
  }
}

// Ends the server process behind a session, as a restart or an idle-connection reaper would.
void terminate_backend(const std::string& url, int pid) {
  auto admin = Database::open({.url = url, .pool_size = 1});
  ASSERT_TRUE(admin) << admin.error().log_detail();
  auto query = [&](const std::string& sql) {
    return (*admin)->read<int>([&](Session& session) -> core::Result<int> {
      int value = 0;
      session.sql() << sql, soci::use(pid), soci::into(value);
      return value;
    });
  };
  core::Result<int> terminated =
      query("SELECT CASE WHEN pg_terminate_backend(:pid) THEN 1 ELSE 0 END");
  ASSERT_TRUE(terminated && *terminated == 1);
  // pg_terminate_backend only signals: wait until the process is gone.
  for (int attempt = 0; attempt < 100; ++attempt) {
    core::Result<int> alive = query("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = :pid");
    ASSERT_TRUE(alive);
    if (*alive == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "backend " << pid << " did not exit";
}

class PostgresConnectionLoss : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open({.url = postgres_.url(), .pool_size = 1});
    ASSERT_TRUE(opened) << opened.error().log_detail();
    database_ = std::move(*opened);
  }

  int backend_pid() {
    core::Result<int> pid = database_->read<int>([](Session& session) -> core::Result<int> {
      int pid = 0;
      session.sql() << "SELECT pg_backend_pid()", soci::into(pid);
      return pid;
    });
    EXPECT_TRUE(pid) << pid.error().log_detail();
    return pid ? *pid : 0;
  }

  testing::TemporaryPostgresDatabase postgres_;
  std::unique_ptr<Database> database_;
};

TEST_F(PostgresConnectionLoss, HealsTheSessionAfterTheServerEndsIt) {
  int pid = backend_pid();
  ASSERT_NO_FATAL_FAILURE(terminate_backend(postgres_.url(), pid));

  core::Result<void> first = database_->ping();
  if (!first) {
    EXPECT_EQ(first.error().code(), ErrorCode::kUnavailable) << first.error().log_detail();
  }
  core::Result<void> second = database_->ping();
  EXPECT_TRUE(second) << second.error().log_detail();
  EXPECT_NE(backend_pid(), pid);
}

TEST_F(PostgresConnectionLoss, RetriesBeginOnceSoTheNextTransactionSucceeds) {
  ASSERT_NO_FATAL_FAILURE(terminate_backend(postgres_.url(), backend_pid()));

  core::Result<int> result = database_->transaction<int>([](Session& session) -> core::Result<int> {
    int one = 0;
    session.sql() << "SELECT 1", soci::into(one);
    return one;
  });

  ASSERT_TRUE(result) << result.error().log_detail();
  EXPECT_EQ(*result, 1);
}

TEST_F(PostgresConnectionLoss, ReportsALostConnectionInsideATransactionAsUnavailable) {
  int pid = backend_pid();

  core::Result<void> result =
      database_->run_transaction([&](Session& session) -> core::Result<void> {
        terminate_backend(postgres_.url(), pid);
        int one = 0;
        session.sql() << "SELECT 1", soci::into(one);
        return core::ok();
      });

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable) << result.error().log_detail();
  EXPECT_TRUE(database_->ping());
}

}  // namespace
}  // namespace platform::db
