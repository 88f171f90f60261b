#include "platform/service/observability.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <variant>

#include "platform/config/config.h"
#include "platform/service/build_info.h"

namespace platform::service {
namespace {

Startup start_demo_service() {
  // A file: an in-memory SQLite database is one session whatever the pool size.
  const auto file = std::filesystem::temp_directory_path() /
                    ("observability-test-" + std::to_string(getpid()) + ".db");
  setenv("SYL_DATABASE_URL", ("sqlite://" + file.string()).c_str(), 1);
  setenv("SYL_DATABASE_POOL_SIZE", "3", 1);
  setenv("SYL_LOG_LEVEL", "error", 1);
  char name[] = "demo-service";
  char* argv[] = {name, nullptr};
  auto started = start(1, argv,
                       {.name = "demo-service",
                        .schema = config::common_schema("demo-service", 8199),
                        .migrations = {}});
  unsetenv("SYL_DATABASE_URL");
  unsetenv("SYL_DATABASE_POOL_SIZE");
  unsetenv("SYL_LOG_LEVEL");
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(file.string() + suffix, ignored);  // open sessions keep it alive
  if (std::holds_alternative<int>(started)) {
    ADD_FAILURE() << "start() ended with " << std::get<int>(started);
    std::abort();
  }
  return std::move(std::get<Startup>(started));
}

TEST(Instrument, ShowsTheBuildTheProcessAndTheDatabasePool) {
  Startup startup = start_demo_service();
  metrics::Registry registry;
  http::Health health;
  instrument(startup, registry, health, nullptr);
  const std::string text = registry.render();

  const BuildInfo build = build_info();
  EXPECT_FALSE(build.version.empty());
  EXPECT_FALSE(build.commit.empty());
  EXPECT_NE(text.find("build_info{version=\"" + std::string(build.version) + "\",commit=\"" +
                      std::string(build.commit) + "\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("\nprocess_cpu_seconds_total "), std::string::npos);
  EXPECT_NE(text.find("\ndb_pool_size 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ndb_pool_in_use 0\n"), std::string::npos);
  EXPECT_NE(text.find("\ndb_pool_waiting 0\n"), std::string::npos);
  // Without a config-service there is no registry to be reachable or not.
  EXPECT_EQ(text.find("config_service_up"), std::string::npos);

  const auto ready = boost::json::parse(health.readiness().body).as_object();
  EXPECT_EQ(ready.at("service").as_string(), "demo-service");
  EXPECT_EQ(ready.at("version").as_string(), build.version);
  EXPECT_EQ(ready.at("commit").as_string(), build.commit);
  EXPECT_GE(ready.at("uptime_seconds").to_number<double>(), 0.0);
}

}  // namespace
}  // namespace platform::service
