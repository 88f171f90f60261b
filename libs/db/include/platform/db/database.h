// Databases chosen by URL: a pool of SOCI sessions over SQLite or PostgreSQL.
//
//   auto database = Database::open({.url = "sqlite:///var/subject.db"});   // or postgresql://...
//   Result<Subject> created =
//       (*database)->transaction<Subject>([&](Session& s) -> Result<Subject> {
//         s.sql() << "INSERT INTO ...", soci::use(code);  // SOCI only in .cpp files
//         return subject;
//       });
//
// `transaction` commits when the work returns a value and rolls back when it returns
// an error or throws; SOCI exceptions become Errors (unique violation ->
// kAlreadyExists, lost connection -> kUnavailable after which the session reconnects).
// On SQLite a write transaction starts with BEGIN IMMEDIATE so that concurrent writers
// wait on the busy timeout instead of failing; the database is in WAL mode.
// Calls block: run them on the HTTP worker pool, never on a network thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "platform/core/error.h"
#include "platform/core/result.h"

namespace soci {
class session;
}

namespace platform::db {

enum class Backend { kSqlite, kPostgresql };

struct DatabaseOptions {
  // "sqlite:///absolute/path.db", "sqlite://relative/path.db", "sqlite::memory:",
  // "postgresql://user:password@host:port/database?options" (libpq URI).
  std::string url;
  std::size_t pool_size = 4;
  std::chrono::milliseconds acquire_timeout{5000};  // waiting for a free session -> kUnavailable
  std::chrono::milliseconds busy_timeout{5000};     // SQLite: waiting for a lock
};

class Session {
 public:
  virtual ~Session() = default;
  virtual soci::session& sql() = 0;
  virtual Backend backend() const = 0;
};

// The session pool at one moment, for metrics (db_pool_size, db_pool_in_use,
// db_pool_waiting).
struct PoolStats {
  std::size_t size = 0;     // sessions opened
  std::size_t in_use = 0;   // leased to a caller now
  std::size_t waiting = 0;  // callers waiting for a free session
};

class Database {
 public:
  virtual ~Database() = default;

  // Parses the URL, connects `pool_size` sessions (creating the SQLite file and its
  // directory when missing). kInvalidArgument for a bad URL, kUnavailable when the
  // server cannot be reached.
  static core::Result<std::unique_ptr<Database>> open(const DatabaseOptions& options);

  virtual Backend backend() const = 0;
  // The URL with its secrets masked (core::redact_url), for logs.
  virtual std::string display_url() const = 0;

  // Runs `work` inside one transaction on a pooled session.
  virtual core::Result<void> run_transaction(
      const std::function<core::Result<void>(Session&)>& work) = 0;
  // Runs `work` on a pooled session without an explicit transaction (single reads).
  virtual core::Result<void> run_session(
      const std::function<core::Result<void>(Session&)>& work) = 0;
  // A trivial query, for readiness checks.
  virtual core::Result<void> ping() = 0;
  virtual PoolStats pool_stats() const = 0;

  template <typename T, typename Work>
  core::Result<T> transaction(Work&& work) {
    return capture<T>([&](auto&& run) { return run_transaction(run); }, std::forward<Work>(work));
  }
  template <typename T, typename Work>
  core::Result<T> read(Work&& work) {
    return capture<T>([&](auto&& run) { return run_session(run); }, std::forward<Work>(work));
  }

 private:
  template <typename T, typename Runner, typename Work>
  core::Result<T> capture(Runner&& runner, Work&& work) {
    std::optional<core::Result<T>> result;
    core::Result<void> status = runner([&](Session& session) -> core::Result<void> {
      result.emplace(work(session));
      if (!*result) return result->error();
      return core::ok();
    });
    if (!status) return std::move(status).error();
    return std::move(*result);
  }
};

// The Error for the exception being handled (call inside a catch block): SOCI's
// backend errors classified by SQLSTATE (PostgreSQL) or result code (SQLite).
core::Error classify_current_exception(Backend backend);

}  // namespace platform::db
