#include "platform/testing/postgres.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "platform/db/database.h"
#include "random_name.h"

namespace platform::testing {
namespace {

using internal::random_hex;

// Runs one statement outside a transaction (CREATE and DROP DATABASE refuse one) on the
// server's maintenance database, through the platform's own URL parsing and pool.
void run_on_server(const std::string& server_url, const std::string& statement) {
  auto server = db::Database::open({.url = server_url, .pool_size = 1});
  if (!server) throw std::runtime_error(server.error().detail());
  auto done = (*server)->run_session([&](db::Session& session) -> core::Result<void> {
    session.sql() << statement;
    return core::ok();
  });
  if (!done) throw std::runtime_error(done.error().detail() + " " + done.error().log_detail());
}

}  // namespace

std::string postgres_server_url() {
  const char* url = std::getenv("SYLTEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    const std::string message =
        "SYLTEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts a "
        "throwaway PostgreSQL";
    ADD_FAILURE() << message;
    throw std::runtime_error(message);
  }
  return url;
}

std::string with_database_name(const std::string& server_url, const std::string& database) {
  std::size_t scheme_end = server_url.find("://");
  std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t path = server_url.find_first_of("/?", authority);
  if (path == std::string::npos) return server_url + "/" + database;
  std::size_t path_end = server_url.find('?', path);
  if (path_end == std::string::npos) path_end = server_url.size();
  return server_url.substr(0, path) + "/" + database + server_url.substr(path_end);
}

TemporaryPostgresDatabase::TemporaryPostgresDatabase()
    : TemporaryPostgresDatabase("syltest_" + random_hex(16)) {}

TemporaryPostgresDatabase::TemporaryPostgresDatabase(std::string name)
    : server_url_(postgres_server_url()), name_(std::move(name)) {
  if (name_.empty() ||
      name_.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    throw std::invalid_argument("not a database name for a test: " + name_);
  }
  try {
    run_on_server(server_url_, "CREATE DATABASE " + name_);
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot create the test database " + name_ + ": " + error.what());
  }
  url_ = with_database_name(server_url_, name_);
}

TemporaryPostgresDatabase::~TemporaryPostgresDatabase() {
  try {
    // FORCE ends sessions a test left open (a leaked pool, a terminated test).
    run_on_server(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& error) {
    std::cerr << "warning: cannot drop the test database " << name_ << ": " << error.what() << "\n";
  }
}

}  // namespace platform::testing
