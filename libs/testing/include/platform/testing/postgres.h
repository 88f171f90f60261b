// PostgreSQL for tests: the server that scripts/test.sh starts (its URL in the
// SYLTEST_POSTGRES_URL environment variable) and a throwaway database on it per fixture.
//
//   TemporaryPostgresDatabase database;   // CREATE DATABASE syltest_<random hex>
//   auto opened = db::Database::open({.url = database.url()});
//   // ~TemporaryPostgresDatabase: DROP DATABASE ... WITH (FORCE)
//
// Tests that need PostgreSQL fail, never skip, when the variable is missing: a skipped
// database test looks green in CI while testing nothing.
#pragma once

#include <string>

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

}  // namespace platform::testing
