// The platform as `sylctl up` runs it, for the end-to-end tests that drive it as a user
// would (journey_test, migration_test): every built service and a real Redis on free
// ports, in the current directory's var/, on SQLite files or on a PostgreSQL database
// per service.
//
//   auto databases = postgres_per_service("syljourney", env);   // PostgreSQL only
//   const auto up = sylctl_up(env, port_base);                  // exit_code 0: serving
//   std::string token = sylctl_token("ada", "admin");
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/testing/postgres.h"
#include "platform/testing/service_process.h"

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

}  // namespace e2e
