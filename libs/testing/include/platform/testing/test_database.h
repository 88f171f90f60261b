// One empty database for a test, on the backend the test is parameterised with, so
// that a suite written once runs on SQLite and on PostgreSQL.
//
//   class RepositoryTest : public ::testing::TestWithParam<TestBackend> {
//     TestDatabase database_{GetParam()};   // database_.url()
//   };
//   INSTANTIATE_TEST_SUITE_P(Backends, RepositoryTest, kAllBackends, backend_test_name);
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

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

 private:
  TestBackend backend_;
  std::unique_ptr<TemporaryDirectory> directory_;
  std::unique_ptr<TemporaryPostgresDatabase> postgres_;
  std::string url_;
};

}  // namespace platform::testing
