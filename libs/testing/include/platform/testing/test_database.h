// One empty database for a test, on the backend the test is parameterised with, so
// that a suite written once runs on SQLite and on PostgreSQL.
//
//   class RepositoryTest : public ::testing::TestWithParam<TestBackend> {
//     TestDatabase database_{GetParam()};   // database_.url()
//     std::unique_ptr<db::Database> db_ = database_.open(migration_files());
//   };
//   INSTANTIATE_TEST_SUITE_P(Backends, RepositoryTest, kAllBackends, backend_test_name);
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/embedded_file.h"
#include "platform/db/database.h"
#include "platform/testing/postgres.h"
#include "platform/testing/temp_dir.h"

namespace platform::testing {

enum class TestBackend { kSqlite, kPostgresql };

inline const auto kAllBackends = ::testing::Values(TestBackend::kSqlite, TestBackend::kPostgresql);

std::string backend_test_name(const ::testing::TestParamInfo<TestBackend>& info);

class TestDatabase {
 public:
  explicit TestDatabase(TestBackend backend);
  const std::string& url() const { return url_; }
  TestBackend backend() const { return backend_; }
  // A pool over the database with `migrations` applied. Throws std::runtime_error (a
  // failed test) saying why when it cannot open or migrate.
  std::unique_ptr<db::Database> open(const std::vector<core::EmbeddedFile>& migrations,
                                     std::size_t pool_size = 4) const;

 private:
  TestBackend backend_;
  std::unique_ptr<TemporaryDirectory> directory_;
  std::unique_ptr<TemporaryPostgresDatabase> postgres_;
  std::string url_;
};

}  // namespace platform::testing
