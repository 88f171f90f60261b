#include <gtest/gtest.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <stdexcept>

#include "platform/db/database.h"

namespace platform::db {
namespace {

using core::ErrorCode;

template <typename Exception>
core::Error classify(Backend backend, const Exception& exception) {
  try {
    throw exception;
  } catch (...) {
    return classify_current_exception(backend);
  }
}

ErrorCode postgresql_code(const char* sqlstate) {
  return classify(Backend::kPostgresql, soci::postgresql_soci_error("message", sqlstate)).code();
}

TEST(ClassifyCurrentException, MapsPostgresqlSqlstates) {
  EXPECT_EQ(postgresql_code("23505"), ErrorCode::kAlreadyExists);
  EXPECT_EQ(postgresql_code("23503"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(postgresql_code("23514"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(postgresql_code("23P01"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(postgresql_code("23502"), ErrorCode::kInternal);
  EXPECT_EQ(postgresql_code("40001"), ErrorCode::kUnavailable);
  EXPECT_EQ(postgresql_code("40P01"), ErrorCode::kUnavailable);
  EXPECT_EQ(postgresql_code("08006"), ErrorCode::kUnavailable);
  EXPECT_EQ(postgresql_code("08001"), ErrorCode::kUnavailable);
  EXPECT_EQ(postgresql_code("57P01"), ErrorCode::kUnavailable);
  EXPECT_EQ(postgresql_code("53300"), ErrorCode::kUnavailable);
  EXPECT_EQ(postgresql_code("57014"), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(postgresql_code("42P01"), ErrorCode::kInternal);
}

TEST(ClassifyCurrentException, MapsSqliteResultCodes) {
  auto code = [](const char* message, int result) {
    return classify(Backend::kSqlite, soci::sqlite3_soci_error(message, result)).code();
  };
  EXPECT_EQ(code("UNIQUE constraint failed: items.code", 19), ErrorCode::kAlreadyExists);
  EXPECT_EQ(code("UNIQUE constraint failed: items.code", 2067), ErrorCode::kAlreadyExists);
  EXPECT_EQ(code("FOREIGN KEY constraint failed", 19), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(code("CHECK constraint failed: amount > 0", 19), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(code("NOT NULL constraint failed: items.code", 19), ErrorCode::kInternal);
  EXPECT_EQ(code("database is locked", 5), ErrorCode::kUnavailable);
  EXPECT_EQ(code("database table is locked", 6), ErrorCode::kUnavailable);
  EXPECT_EQ(code("no such table: items", 1), ErrorCode::kInternal);
}

TEST(ClassifyCurrentException, TreatsALostConnectionMessageAsUnavailable) {
  core::Error error =
      classify(Backend::kPostgresql, soci::soci_error("server closed the connection unexpectedly"));

  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
}

TEST(ClassifyCurrentException, KeepsTheExceptionTextForTheLogOnly) {
  core::Error error =
      classify(Backend::kPostgresql,
               soci::soci_error("syntax error while executing \"SELECT password FROM users\""));

  EXPECT_EQ(error.code(), ErrorCode::kInternal);
  EXPECT_EQ(error.detail().find("password"), std::string::npos);
  EXPECT_NE(error.log_detail().find("SELECT password FROM users"), std::string::npos);
}

TEST(ClassifyCurrentException, TurnsOtherExceptionsIntoInternalErrors) {
  EXPECT_EQ(classify(Backend::kSqlite, std::runtime_error("boom")).code(), ErrorCode::kInternal);
  EXPECT_EQ(classify(Backend::kSqlite, 42).code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace platform::db
