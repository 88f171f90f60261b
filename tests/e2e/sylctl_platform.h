// The platform as `sylctl up` runs it, for the end-to-end tests that drive it as a user
// would (journey_test, migration_test): every built service and a real Redis on free
// ports, in the current directory's var/, on SQLite files or on a PostgreSQL database
// per service.
//
//   class Journey : public e2e::PlatformTest {};   // SetUp: up; TearDown: down
//   TEST_P(Journey, ...) { http_request(gateway(), ...); sylctl({"deploy", ...}); }
//   INSTANTIATE_TEST_SUITE_P(Databases, Journey, e2e::kBothDatabases, e2e::database_name);
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/testing/ports.h"
#include "platform/testing/postgres.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"

namespace e2e {

// A database per service on the test's PostgreSQL server, dropped with the returned
// objects, and SYL_DATABASE_URL added to `env` naming them (sylctl fills in "{service}").
inline std::vector<std::unique_ptr<platform::testing::TemporaryPostgresDatabase>>
postgres_per_service(const std::string& test, platform::testing::Environment& env) {
  const std::string prefix = test + "_" + std::to_string(::getpid());
  std::vector<std::unique_ptr<platform::testing::TemporaryPostgresDatabase>> databases;
  for (const char* service :
       {"config_service", "subject_service", "file_service", "syllabus_service", "api_gateway"})
    databases.push_back(
        std::make_unique<platform::testing::TemporaryPostgresDatabase>(prefix + "_" + service));
  env.emplace_back("SYL_DATABASE_URL",
                   platform::testing::with_database_name(platform::testing::postgres_server_url(),
                                                         prefix + "_{service}"));
  return databases;
}

// `sylctl up` of this build on ports around `port_base` (the gateway at port_base - 20,
// Redis at port_base + 10), in the current directory.
inline platform::testing::ProcessResult sylctl_up(const platform::testing::Environment& env,
                                                  std::uint16_t port_base) {
  const std::string build_dir =
      std::filesystem::path(SYLCTL_BINARY).parent_path().parent_path().parent_path().string();
  return platform::testing::run_process(
      SYLCTL_BINARY, env,
      {"up", "--build-dir", build_dir, "--port-base", std::to_string(port_base), "--redis-port",
       std::to_string(port_base + 10)},
      std::chrono::seconds(120));
}

// A bearer token for the gateway of the platform in the current directory ("" on failure).
inline std::string sylctl_token(const std::string& subject, const std::string& roles) {
  auto minted = platform::testing::run_process(
      SYLCTL_BINARY, {}, {"token", "--sub", subject, "--roles", roles, "--ttl", "1h"});
  if (minted.exit_code != 0) return "";
  return minted.output.substr(0, minted.output.find_last_not_of(" \r\n") + 1);
}

enum class Databases { kSqlite, kPostgresql };
inline const auto kBothDatabases = ::testing::Values(Databases::kSqlite, Databases::kPostgresql);
inline std::string database_name(const ::testing::TestParamInfo<Databases>& info) {
  return info.param == Databases::kSqlite ? "Sqlite" : "Postgresql";
}

// A test on the whole platform: SetUp runs `sylctl up` in a temporary directory made
// current (sylctl works on var/ under it), on SQLite or a PostgreSQL database per service
// by the parameter; TearDown runs `sylctl down` and returns to the directory before.
class PlatformTest : public ::testing::TestWithParam<Databases> {
 protected:
  // `name` prefixes the PostgreSQL databases; `extra_ports`, offsets from the port base
  // the test needs free besides the platform's (the green ports of a deploy, say).
  // `env`, settings `sylctl up` passes on to every service.
  explicit PlatformTest(std::string name, std::vector<int> extra_ports = {},
                        platform::testing::Environment env = {})
      : name_(std::move(name)), extra_ports_(std::move(extra_ports)), env_(std::move(env)) {}

  void SetUp() override {
    platform::testing::Environment env = env_;
    if (GetParam() == Databases::kPostgresql) databases_ = postgres_per_service(name_, env);
    previous_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_.path());
    std::vector<int> offsets{-20, 1, 2, 3, 10};
    offsets.insert(offsets.end(), extra_ports_.begin(), extra_ports_.end());
    port_base_ = platform::testing::free_port_below_ephemeral(offsets);
    const auto up = sylctl_up(env, port_base_);
    ASSERT_EQ(up.exit_code, 0) << up.output;
    started_ = true;
  }

  void TearDown() override {
    if (started_) {
      const auto down = sylctl({"down"}, std::chrono::seconds(90));
      EXPECT_EQ(down.exit_code, 0) << down.output;
    }
    std::filesystem::current_path(previous_);
  }

  static platform::testing::ProcessResult sylctl(
      const std::vector<std::string>& args,
      std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    return platform::testing::run_process(SYLCTL_BINARY, {}, args, timeout);
  }

  std::uint16_t gateway() const { return static_cast<std::uint16_t>(port_base_ - 20); }

  std::vector<std::unique_ptr<platform::testing::TemporaryPostgresDatabase>> databases_;
  platform::testing::TemporaryDirectory dir_;
  std::uint16_t port_base_ = 0;

 private:
  std::string name_;
  std::vector<int> extra_ports_;
  platform::testing::Environment env_;
  std::filesystem::path previous_;
  bool started_ = false;
};

}  // namespace e2e
