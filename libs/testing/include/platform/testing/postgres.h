// PostgreSQL for tests: the server that scripts/test.sh starts (its URL in the
// SYLTEST_POSTGRES_URL environment variable) and a throwaway database on it per fixture.
//
//   TemporaryPostgresDatabase database;   // CREATE DATABASE syltest_<random hex>
//   auto opened = db::Database::open({.url = database.url()});
//   // ~TemporaryPostgresDatabase: DROP DATABASE ... WITH (FORCE)
//
// Tests that need PostgreSQL fail, never skip, when the variable is missing: a skipped
// database test looks green in CI while testing nothing.
//
// A test that stops the server (a chaos test) starts its own instead:
//   PostgresServer own(directory / "pg");    // initdb, then postgres on a free port
//   own.create_database("orders");
//   own.stop();  ...  own.start();            // a restart, same port, data kept
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace platform::testing {

// SYLTEST_POSTGRES_URL, e.g. "postgresql://postgres@127.0.0.1:55432/postgres". When it is
// not set, records a test failure and throws std::runtime_error.
std::string postgres_server_url();

// `server_url` with its database name replaced by `database`, keeping user, host and options.
std::string with_database_name(const std::string& server_url, const std::string& database);

class TemporaryPostgresDatabase {
 public:
  // Creates the database; throws std::runtime_error when the server refuses.
  TemporaryPostgresDatabase();
  // The same with a name of the caller's ([a-z0-9_], unique: a test's own prefix).
  explicit TemporaryPostgresDatabase(std::string name);
  ~TemporaryPostgresDatabase();
  TemporaryPostgresDatabase(const TemporaryPostgresDatabase&) = delete;
  TemporaryPostgresDatabase& operator=(const TemporaryPostgresDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

// A PostgreSQL server of the test's own, in `directory` (made by initdb; run as the
// postgres user when the test runs as root, since PostgreSQL refuses root). Loopback
// only, no Unix socket; stopped with the fixture.
class PostgresServer {
 public:
  explicit PostgresServer(std::filesystem::path directory);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  std::uint16_t port() const { return port_; }
  // The maintenance database's URL; with_database_name() gives another's.
  std::string url() const;
  void create_database(const std::string& name) const;
  // A fast shutdown, as `pg_ctl stop -m fast`: open sessions are ended, new connections
  // refused until start().
  void stop();
  // Again on the same port, with the same data; returns once it accepts queries.
  void start();
  bool running() const { return pid_ > 0; }

 private:
  pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) const;

  std::filesystem::path directory_;
  std::filesystem::path bin_dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  int uid_ = -1;  // the postgres user's, when running as root
  int gid_ = -1;
};

}  // namespace platform::testing
