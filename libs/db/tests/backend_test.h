// A fixture that runs each test on SQLite (a file in a temporary directory) and on
// PostgreSQL (a throwaway database on the server scripts/test.sh starts).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "platform/db/database.h"
#include "platform/testing/test_database.h"

namespace platform::db {

class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_.emplace(GetParam() == Backend::kSqlite ? testing::TestBackend::kSqlite
                                                     : testing::TestBackend::kPostgresql);
    url_ = database_->url();
  }

  // nullptr (and a test failure) when the database cannot be opened.
  std::unique_ptr<Database> open_database(std::size_t pool_size = 4) {
    core::Result<std::unique_ptr<Database>> opened =
        Database::open({.url = url_, .pool_size = pool_size});
    if (!opened) {
      ADD_FAILURE() << "cannot open " << url_ << ": " << opened.error().detail() << " ("
                    << opened.error().log_detail() << ")";
      return nullptr;
    }
    return std::move(*opened);
  }

  const std::string& url() const { return url_; }

 private:
  std::optional<testing::TestDatabase> database_;
  std::string url_;
};

inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgresql";
}

#define SYL_INSTANTIATE_ON_BOTH_BACKENDS(Suite)                                       \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                           \
                           ::testing::Values(Backend::kSqlite, Backend::kPostgresql), \
                           backend_test_name)

}  // namespace platform::db
