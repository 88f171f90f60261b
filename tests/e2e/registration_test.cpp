// Services together, as the launcher runs them: the subject-service registering with the
// real config-service. Both are the built binaries, started as child processes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <thread>

#include "platform/testing/http_client.h"
#include "platform/testing/platform_token.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using platform::testing::ServiceProcess;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

class Registration : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceProcess> start_config_service(const std::string& database,
                                                       std::uint16_t port = 0) {
    return std::make_unique<ServiceProcess>(
        CONFIG_SERVICE_BINARY,
        platform::testing::Environment{
            {"SYL_HTTP_PORT", std::to_string(port)},
            {"SYL_DATABASE_URL", "sqlite://" + (directory_.path() / database).string()},
            {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}});
  }
  std::unique_ptr<ServiceProcess> start_subject_service(
      std::uint16_t config_port, const platform::testing::Environment& extra = {}) {
    platform::testing::Environment env{
        {"SYL_HTTP_PORT", "0"},
        {"SYL_DATABASE_URL", "sqlite://" + (directory_.path() / "subjects.db").string()},
        {"SYL_REDIS_URL", platform::testing::redis_server_url()},
        {"SYL_CONFIG_SERVICE_URL", "http://127.0.0.1:" + std::to_string(config_port)},
        {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}};
    for (const auto& [name, value] : extra) {  // an extra setting replaces a default one
      std::erase_if(env, [&name](const auto& entry) { return entry.first == name; });
      env.emplace_back(name, value);
    }
    return std::make_unique<ServiceProcess>(SUBJECT_SERVICE_BINARY, env);
  }
  static boost::json::array instances(std::uint16_t config_port) {
    const auto response = platform::testing::http_request(
        config_port, "GET", "/registry/services/subject-service/instances");
    if (response.status != 200) return {};
    return boost::json::parse(response.body).at("instances").as_array();
  }

  platform::testing::TemporaryDirectory directory_;
};

TEST_F(Registration, ASubjectServiceRegistersAndDeregistersAtOnceOnSigterm) {
  auto config = start_config_service("config.db");
  auto subjects = start_subject_service(config->port());
  ASSERT_TRUE(eventually([&] { return instances(config->port()).size() == 1; }));
  const auto instance = instances(config->port()).at(0).as_object();
  EXPECT_EQ(instance.at("url").as_string(), "http://127.0.0.1:" + std::to_string(subjects->port()));
  EXPECT_EQ(subjects->terminate(), 0);
  // Gone at once, not when its 10 s lease lapses.
  EXPECT_TRUE(instances(config->port()).empty());
}

TEST_F(Registration, ASubjectServiceWithAnotherPlatformsTokenNeverRegisters) {
  auto config = start_config_service("config.db");
  auto subjects = start_subject_service(
      config->port(), {{"SYL_PLATFORM_TOKEN", "another-platform-token-0123456789abcdef"}});
  EXPECT_TRUE(subjects->wait_for_line(
      [](const std::string& line) {
        return line.find("refuses our platform token") != std::string::npos;
      },
      5s));
  EXPECT_TRUE(instances(config->port()).empty());
  // It serves all the same: the registry is not on its request path.
  EXPECT_EQ(platform::testing::http_request(subjects->port(), "GET", "/health/ready").status, 200);
}

TEST_F(Registration, ASubjectServiceRegistersTheUrlItIsToldToAdvertise) {
  auto config = start_config_service("config.db");
  auto subjects = start_subject_service(config->port(),
                                        {{"SYL_HTTP_ADVERTISE_URL", "http://subjects.test:81"}});
  ASSERT_TRUE(eventually([&] { return instances(config->port()).size() == 1; }));
  EXPECT_EQ(instances(config->port()).at(0).at("url").as_string(), "http://subjects.test:81");
}

TEST_F(Registration, ASubjectServiceListeningOnEveryAddressAdvertisesItsHostName) {
  auto config = start_config_service("config.db");
  auto subjects = start_subject_service(config->port(), {{"SYL_HTTP_HOST", "0.0.0.0"}});
  ASSERT_TRUE(eventually([&] { return instances(config->port()).size() == 1; }));
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(instances(config->port()).at(0).at("url").as_string(),
            "http://" + std::string(host) + ":" + std::to_string(subjects->port()));
  EXPECT_TRUE(subjects->wait_for_line(
      [](const std::string& line) {
        return line.find("advertising the host name") != std::string::npos;
      },
      1s));
}

TEST_F(Registration, ASubjectServiceRegistersAgainWhenTheConfigServiceReturnsWithoutIt) {
  auto config = start_config_service("config-1.db");
  const std::uint16_t port = config->port();
  auto subjects = start_subject_service(port);
  ASSERT_TRUE(eventually([&] { return instances(port).size() == 1; }));
  EXPECT_EQ(config->terminate(), 0);
  // The subject-service keeps serving while the config-service is away.
  EXPECT_EQ(platform::testing::http_request(subjects->port(), "GET", "/health/ready").status, 200);
  config = start_config_service("config-2.db", port);  // a registry that never saw it
  EXPECT_TRUE(eventually([&] { return instances(port).size() == 1; }, 15s));
}

TEST_F(Registration, ASubjectServiceAppliesADynamicSettingLive) {
  auto config = start_config_service("config.db");
  auto subjects = start_subject_service(config->port());
  // The subject-service publishes its schema at start-up, then watches its document.
  ASSERT_TRUE(eventually([&] {
    return platform::testing::http_request(config->port(), "GET",
                                           "/config/subject-service?env=default")
               .status == 200;
  }));
  const auto put = platform::testing::http_request(
      config->port(), "PUT", "/config/subject-service?env=default",
      R"({"settings":{"log.level":"debug"},"author":"test"})",
      {{"Content-Type", "application/json"}, platform::testing::authorization()});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_TRUE(subjects->wait_for_line(
      [](const std::string& line) {
        return line.find("dynamic setting changed") != std::string::npos &&
               line.find(R"("value":"debug")") != std::string::npos;
      },
      5s));
}

TEST_F(Registration, TheSyllabusServiceFindsItsPeersInTheRegistry) {
  auto config = start_config_service("config.db");
  auto subjects = start_subject_service(config->port());
  const std::string config_url = "http://127.0.0.1:" + std::to_string(config->port());
  ServiceProcess files(
      FILE_SERVICE_BINARY,
      platform::testing::Environment{
          {"SYL_HTTP_PORT", "0"},
          {"SYL_DATABASE_URL", "sqlite://" + (directory_.path() / "files.db").string()},
          {"SYL_STORAGE_LOCAL_ROOT", (directory_.path() / "files").string()},
          {"SYL_REDIS_URL", platform::testing::redis_server_url()},
          {"SYL_CONFIG_SERVICE_URL", config_url},
          {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}});
  // No SYL_PEERS_*_URL: the peers come from the registry.
  ServiceProcess syllabi(
      SYLLABUS_SERVICE_BINARY,
      platform::testing::Environment{
          {"SYL_HTTP_PORT", "0"},
          {"SYL_DATABASE_URL", "sqlite://" + (directory_.path() / "syllabi.db").string()},
          {"SYL_REDIS_URL", platform::testing::redis_server_url()},
          {"SYL_CONFIG_SERVICE_URL", config_url},
          {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}});
  const auto subject = platform::testing::http_request(subjects->port(), "POST", "/subjects",
                                                       R"({"code":"E2E-1","name":"Registry"})",
                                                       {{"Content-Type", "application/json"}});
  ASSERT_EQ(subject.status, 201);
  const std::string subject_id(boost::json::parse(subject.body).at("id").as_string());
  const std::string body = R"({"subject_id":")" + subject_id +
                           R"(","academic_year":"2026/2027","term":"autumn","title":"Found"})";
  EXPECT_TRUE(eventually([&] {
    return platform::testing::http_request(syllabi.port(), "POST", "/syllabi", body,
                                           {{"Content-Type", "application/json"}})
               .status == 201;
  }));
  // Readiness names both peers, known through the registry.
  const auto ready = platform::testing::http_request(syllabi.port(), "GET", "/health/ready");
  const auto checks = boost::json::parse(ready.body).at("checks");
  EXPECT_EQ(checks.at("subject-service").at("status").as_string(), "up");
  EXPECT_EQ(checks.at("file-service").at("status").as_string(), "up");
}

}  // namespace
