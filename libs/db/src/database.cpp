// The pool of SOCI sessions behind Database, and the transaction runner.
#include "platform/db/database.h"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <utility>
#include <vector>

#include "internal.h"
#include "platform/core/url.h"
#include "url.h"

namespace platform::db {
namespace {

class PooledSession final : public Session {
 public:
  PooledSession(std::unique_ptr<soci::session> sql, Backend backend)
      : sql_(std::move(sql)), backend_(backend) {}

  soci::session& sql() override { return *sql_; }
  Backend backend() const override { return backend_; }

  bool broken() const { return broken_; }
  void mark_broken() { broken_ = true; }
  void replace(std::unique_ptr<soci::session> sql) {
    sql_ = std::move(sql);
    broken_ = false;
  }

 private:
  std::unique_ptr<soci::session> sql_;
  Backend backend_;
  bool broken_ = false;
};

void ignore_notice(void*, const char*) {}

// Opens one configured session. Throws SOCI's exceptions; callers classify them.
std::unique_ptr<soci::session> connect(const DatabaseUrl& url, const DatabaseOptions& options) {
  if (url.backend == Backend::kPostgresql) {
    auto sql = std::make_unique<soci::session>(soci::postgresql, url.target);
    // libpq prints NOTICEs ("relation ... already exists, skipping") to stderr, which would
    // break the services' one-JSON-object-per-line logs.
    PQsetNoticeProcessor(static_cast<soci::postgresql_session_backend*>(sql->get_backend())->conn_,
                         &ignore_notice, nullptr);
    return sql;
  }
  auto sql = std::make_unique<soci::session>(soci::sqlite3, url.target);
  // busy_timeout first: switching to WAL takes a lock that another process may hold.
  int busy_ms = static_cast<int>(options.busy_timeout.count());
  int echoed = 0;
  *sql << "PRAGMA busy_timeout = " + std::to_string(busy_ms), soci::into(echoed);
  std::string journal_mode;
  *sql << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
  *sql << "PRAGMA foreign_keys = ON";
  // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
  *sql << "PRAGMA synchronous = NORMAL";
  return sql;
}

class Pool;

// Gives the session back to the pool when it goes out of scope.
class Lease {
 public:
  Lease(Pool* pool, PooledSession* session) : pool_(pool), session_(session) {}
  Lease(Lease&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)),
        session_(std::exchange(other.session_, nullptr)) {}
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  PooledSession& operator*() const { return *session_; }
  PooledSession* operator->() const { return session_; }

 private:
  Pool* pool_;
  PooledSession* session_;
};

class Pool {
 public:
  Pool(DatabaseUrl url, DatabaseOptions options)
      : url_(std::move(url)), options_(std::move(options)) {}

  core::Result<void> fill(std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      try {
        sessions_.push_back(std::make_unique<PooledSession>(connect(url_, options_), url_.backend));
      } catch (...) {
        return connect_error();
      }
      free_.push_back(sessions_.back().get());
    }
    return core::ok();
  }

  core::Result<Lease> acquire() {
    PooledSession* session = nullptr;
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      const bool got =
          available_.wait_for(lock, options_.acquire_timeout, [&] { return !free_.empty(); });
      --waiting_;
      if (!got) {
        return core::Error::unavailable(
            "database pool exhausted; retry later",
            "database pool exhausted: all " + std::to_string(sessions_.size()) +
                " sessions busy for " + std::to_string(options_.acquire_timeout.count()) + " ms");
      }
      session = free_.back();
      free_.pop_back();
    }
    Lease lease(this, session);
    // A session whose connection was lost is reconnected here rather than on release, so
    // that the thread that needs it pays the wait and sees the error if the server is down.
    if (session->broken()) {
      if (core::Result<void> healed = reconnect(*session); !healed)
        return std::move(healed).error();
    }
    return lease;
  }

  PoolStats stats() const {
    std::lock_guard lock(mutex_);
    return PoolStats{
        .size = sessions_.size(), .in_use = sessions_.size() - free_.size(), .waiting = waiting_};
  }

  void release(PooledSession* session) {
    {
      std::lock_guard lock(mutex_);
      free_.push_back(session);
    }
    available_.notify_one();
  }

  core::Result<void> reconnect(PooledSession& session) {
    try {
      session.replace(connect(url_, options_));
      return core::ok();
    } catch (...) {
      session.mark_broken();
      return connect_error();
    }
  }

 private:
  core::Error connect_error() const {
    core::Error error = classify_current_exception(url_.backend);
    std::string log =
        "cannot connect to " + core::redact_url(options_.url) + ": " + error.log_detail();
    if (url_.backend == Backend::kPostgresql) {
      // Every connect failure is the server being unreachable or refusing us; a retry
      // later may succeed (server starting, too many connections).
      return core::Error::unavailable("the database is unavailable; retry later", std::move(log));
    }
    return core::Error::unavailable("the database is unavailable", std::move(log));
  }

  DatabaseUrl url_;
  DatabaseOptions options_;
  std::vector<std::unique_ptr<PooledSession>> sessions_;
  std::vector<PooledSession*> free_;
  std::size_t waiting_ = 0;  // callers blocked in acquire() (seen only while they wait)
  mutable std::mutex mutex_;
  std::condition_variable available_;
};

Lease::~Lease() {
  if (pool_) pool_->release(session_);
}

class PooledDatabase final : public Database {
 public:
  PooledDatabase(DatabaseUrl url, DatabaseOptions options)
      : backend_(url.backend),
        display_url_(core::redact_url(options.url)),
        pool_(std::move(url), std::move(options)) {}

  core::Result<void> fill(std::size_t size) { return pool_.fill(size); }

  Backend backend() const override { return backend_; }
  std::string display_url() const override { return display_url_; }

  core::Result<void> run_transaction(
      const std::function<core::Result<void>(Session&)>& work) override {
    core::Result<Lease> lease = pool_.acquire();
    if (!lease) return std::move(lease).error();
    PooledSession& session = **lease;
    if (core::Result<void> begun = begin(session); !begun) return begun;

    core::Result<void> result;
    try {
      result = work(session);
      if (result) {
        session.sql() << "COMMIT";
        return core::ok();
      }
    } catch (...) {
      result = failure(session);
    }
    rollback(session);
    return result;
  }

  core::Result<void> run_session(const std::function<core::Result<void>(Session&)>& work) override {
    core::Result<Lease> lease = pool_.acquire();
    if (!lease) return std::move(lease).error();
    PooledSession& session = **lease;
    core::Result<void> result;
    try {
      result = work(session);
    } catch (...) {
      return failure(session);
    }
    // The work may have caught and classified a lost connection itself.
    if (!result) note_broken(session);
    return result;
  }

  core::Result<void> ping() override {
    return run_session([](Session& session) -> core::Result<void> {
      int one = 0;
      session.sql() << "SELECT 1", soci::into(one);
      return core::ok();
    });
  }

  PoolStats pool_stats() const override { return pool_.stats(); }

 private:
  std::string begin_statement() const {
    // IMMEDIATE takes SQLite's write lock up front, so a second writer waits on the busy
    // timeout instead of failing with SQLITE_BUSY when it upgrades a read lock later.
    return backend_ == Backend::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN";
  }

  core::Result<void> begin(PooledSession& session) {
    try {
      session.sql() << begin_statement();
      return core::ok();
    } catch (...) {
      core::Error error = failure(session);
      if (!session.broken()) return error;
    }
    // The connection died while idle in the pool (server restart, idle timeout): nothing
    // ran yet, so reconnecting and beginning again is safe.
    if (core::Result<void> healed = pool_.reconnect(session); !healed) return healed;
    try {
      session.sql() << begin_statement();
      return core::ok();
    } catch (...) {
      return failure(session);
    }
  }

  void rollback(PooledSession& session) {
    if (session.broken()) return;
    try {
      session.sql() << "ROLLBACK";
    } catch (...) {
      // SQLite ends the transaction itself after some errors, so ROLLBACK may fail on a
      // healthy session. Only one still inside a transaction (or disconnected) is replaced;
      // replacing needlessly would lose an in-memory database.
      if (internal::in_transaction(session.sql(), backend_)) session.mark_broken();
    }
  }

  // Classifies the exception being handled and marks the session for reconnection when
  // its connection is gone, whatever the error said.
  core::Error failure(PooledSession& session) {
    core::Error error = classify_current_exception(backend_);
    if (internal::connection_is_broken(session.sql(), backend_)) {
      session.mark_broken();
      if (error.code() != core::ErrorCode::kUnavailable) {
        return core::Error::unavailable("the database is unavailable; retry later",
                                        "connection lost: " + error.log_detail());
      }
    }
    return error;
  }

  void note_broken(PooledSession& session) {
    if (internal::connection_is_broken(session.sql(), backend_)) session.mark_broken();
  }

  Backend backend_;
  std::string display_url_;
  Pool pool_;
};

}  // namespace

core::Result<std::unique_ptr<Database>> Database::open(const DatabaseOptions& options) {
  core::Result<DatabaseUrl> url = parse_database_url(options.url);
  if (!url) return std::move(url).error();
  if (options.pool_size == 0) {
    return core::Error{core::ErrorCode::kInvalidArgument, "database pool size must be at least 1"};
  }
  std::size_t size = options.pool_size;
  if (url->backend == Backend::kSqlite && !url->in_memory) {
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(url->target).parent_path(), error);
    if (error) {
      return core::Error::unavailable(
          "the database is unavailable",
          "cannot create the directory of " + url->target + ": " + error.message());
    }
  }
  // Each connection to ":memory:" is a separate empty database, so a pool of several
  // would hand out different databases: one session serves them all.
  if (url->in_memory) size = 1;

  auto database = std::make_unique<PooledDatabase>(std::move(*url), options);
  if (core::Result<void> filled = database->fill(size); !filled) return std::move(filled).error();
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace platform::db
