#include "platform/testing/test_database.h"

namespace platform::testing {

std::string backend_test_name(const ::testing::TestParamInfo<TestBackend>& info) {
  return info.param == TestBackend::kSqlite ? "Sqlite" : "Postgresql";
}

TestDatabase::TestDatabase(TestBackend backend) : backend_(backend) {
  if (backend == TestBackend::kSqlite) {
    directory_ = std::make_unique<TemporaryDirectory>();
    url_ = "sqlite://" + (directory_->path() / "test.db").string();
  } else {
    postgres_ = std::make_unique<TemporaryPostgresDatabase>();
    url_ = postgres_->url();
  }
}

}  // namespace platform::testing
