#include "platform/testing/test_database.h"

#include <stdexcept>

#include "platform/db/migrations.h"

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

std::unique_ptr<db::Database> TestDatabase::open(const std::vector<core::EmbeddedFile>& migrations,
                                                 std::size_t pool_size) const {
  auto opened = db::Database::open({.url = url_, .pool_size = pool_size});
  if (!opened)
    throw std::runtime_error("cannot open the test database: " + opened.error().detail() + " " +
                             opened.error().log_detail());
  if (auto migrated = db::migrate(**opened, migrations); !migrated)
    throw std::runtime_error("cannot migrate the test database: " + migrated.error().detail() +
                             " " + migrated.error().log_detail());
  return std::move(opened).value();
}

}  // namespace platform::testing
