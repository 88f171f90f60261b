// Blue-green deploys of the platform as `sylctl up` runs it (SQLite files, and once a
// PostgreSQL database per service), under a steady load of reads and writes through the
// gateway: a good version takes over and is rolled back without one failed request; a
// version that fails its smoke test never gets traffic; one that fails a fifth of its
// requests is rolled back by itself within 30 s. A "version" here is the same build run
// through a wrapper that sets test.fault_error_percent: what the deploy must catch is the
// behaviour, not the bytes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/json.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "platform/testing/http_client.h"
#include "platform/testing/ports.h"
#include "platform/testing/postgres.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "sylctl_platform.h"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using e2e::Databases;

// Requests through the gateway every 20 ms until stopped, alternating a list read and a
// subject created; every answer's status counted.
class SteadyLoad {
 public:
  SteadyLoad(std::uint16_t gateway, std::string token)
      : gateway_(gateway), token_(std::move(token)), thread_([this] { run(); }) {}
  ~SteadyLoad() { stop(); }

  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<int, int> statuses() const {
    std::lock_guard lock(mutex_);
    return statuses_;
  }
  int total() const {
    int sum = 0;
    for (const auto& [status, count] : statuses()) sum += count;
    return sum;
  }
  int failed() const {
    int sum = 0;
    for (const auto& [status, count] : statuses())
      if (status < 200 || status >= 300) sum += count;
    return sum;
  }

 private:
  void run() {
    const platform::testing::HeaderList headers{{"Authorization", "Bearer " + token_}};
    for (int n = 0; !stopping_; ++n) {
      const auto answer =
          n % 2 == 0
              ? platform::testing::http_request(gateway_, "GET", "/api/v1/subjects?limit=5", "",
                                                headers)
              : platform::testing::http_request(
                    gateway_, "POST", "/api/v1/subjects",
                    boost::json::serialize(boost::json::object{
                        {"code", "BG-" + std::to_string(::getpid()) + "-" + std::to_string(n)},
                        {"name", "Load"},
                        {"credits", 3}}),
                    headers);
      {
        std::lock_guard lock(mutex_);
        ++statuses_[answer.status];
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  std::uint16_t gateway_;
  std::string token_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<int, int> statuses_;
  std::thread thread_;
};

std::string describe(const std::map<int, int>& statuses) {
  std::string text;
  for (const auto& [status, count] : statuses)
    text += std::to_string(status) + ": " + std::to_string(count) + " ";
  return text;
}

class Deploy : public e2e::PlatformTest {
 protected:
  // Also free: the green ports, 20 above the blue ones.
  Deploy() : PlatformTest("syldeploy", {21, 22, 23}) {}

  void SetUp() override {
    PlatformTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = e2e::sylctl_token("ada", "admin");
    ASSERT_FALSE(admin_.empty());
  }

  std::uint16_t blue_port() const { return static_cast<std::uint16_t>(port_base_ + 1); }
  std::uint16_t green_port() const { return static_cast<std::uint16_t>(port_base_ + 21); }

  // A build directory whose subject-service is this build's, started with `fault_percent`
  // of its API requests failing.
  static std::string version_failing(int fault_percent) {
    const fs::path dir = fs::absolute("versions") / ("fault-" + std::to_string(fault_percent));
    fs::create_directories(dir / "services/subject-service");
    const fs::path wrapper = dir / "services/subject-service/subject-service";
    std::ofstream(wrapper) << "#!/bin/sh\nSYL_TEST_FAULT_ERROR_PERCENT=" << fault_percent
                           << " exec '" << SUBJECT_SERVICE_BINARY << "' \"$@\"\n";
    ::chmod(wrapper.c_str(), 0755);
    return dir.string();
  }
  static std::string this_build() {
    return fs::path(SYLCTL_BINARY).parent_path().parent_path().parent_path().string();
  }

  // The subject-service instances the registry lists: colour by port.
  std::map<std::uint16_t, std::string> registered() const {
    const auto answer =
        platform::testing::http_request(static_cast<std::uint16_t>(port_base_), "GET",
                                        "/registry/services/subject-service/instances");
    std::map<std::uint16_t, std::string> found;
    if (answer.status != 200) return found;
    const auto body = boost::json::parse(answer.body);
    for (const auto& item : body.at("instances").as_array()) {
      const std::string url(item.at("url").as_string());
      found[static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)))] =
          std::string(item.at("colour").as_string());
    }
    if (body.as_object().contains("traffic")) found[0] = "split";
    return found;
  }

  static boost::json::object last_report() {
    std::ifstream in("var/deploy/reports/subject-service-last.json");
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    return boost::json::parse(text).as_object();
  }

  std::string admin_;
};

TEST_P(Deploy, AGoodVersionTakesOverAndIsRolledBackWithoutAFailedRequest) {
  SteadyLoad load(gateway(), admin_);
  std::this_thread::sleep_for(1s);
  const auto deployed = sylctl({"deploy", "subject-service", "--build-dir", this_build(), "--steps",
                                "10,50,100", "--pause", "2s"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.output;
  EXPECT_NE(deployed.output.find("smoke test: ready"), std::string::npos) << deployed.output;
  EXPECT_EQ(last_report().at("outcome").as_string(), "deployed");
  EXPECT_EQ(last_report().at("steps").as_array().size(), 3u);
  // Only green is left, and the split is gone with blue.
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{{green_port(), "green"}}));
  std::this_thread::sleep_for(1s);
  const int during_deploy = load.total();

  const auto rolled_back = sylctl({"rollback", "subject-service"});
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.output;
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{{blue_port(), "blue"}}));
  std::this_thread::sleep_for(1s);
  load.stop();
  EXPECT_GT(during_deploy, 200);
  EXPECT_EQ(load.failed(), 0) << describe(load.statuses());
  // Every subject written during both switches is there.
  const auto listed = platform::testing::http_request(gateway(), "GET", "/api/v1/subjects?limit=1",
                                                      "", {{"Authorization", "Bearer " + admin_}});
  EXPECT_EQ(listed.status, 200) << listed.body;
}

TEST_P(Deploy, AVersionThatFailsItsSmokeTestNeverReceivesTraffic) {
  SteadyLoad load(gateway(), admin_);
  const auto refused =
      sylctl({"deploy", "subject-service", "--build-dir", version_failing(100), "--pause", "2s"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("smoke test failed"), std::string::npos) << refused.output;
  const auto report = last_report();
  EXPECT_EQ(report.at("outcome").as_string(), "refused");
  EXPECT_TRUE(report.at("steps").as_array().empty());
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{{blue_port(), "blue"}}));
  load.stop();
  // Writes are never retried by the gateway: one routed to the failing version would show.
  EXPECT_EQ(load.failed(), 0) << describe(load.statuses());
}

TEST_P(Deploy, AVersionFailingOneRequestInFiveIsRolledBackWithinThirtySeconds) {
  SteadyLoad load(gateway(), admin_);
  std::this_thread::sleep_for(500ms);
  const auto started = std::chrono::steady_clock::now();
  const auto rolled_back =
      sylctl({"deploy", "subject-service", "--build-dir", version_failing(20), "--pause", "20s"});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(rolled_back.exit_code, 1) << rolled_back.output;
  const auto report = last_report();
  EXPECT_EQ(report.at("outcome").as_string(), "rolled back") << rolled_back.output;
  EXPECT_LT(report.at("detected_after_seconds").to_number<double>(), 30.0);
  EXPECT_LT(took, 60s);
  const auto& steps = report.at("steps").as_array();
  ASSERT_EQ(steps.size(), 1u);  // caught at the first step
  EXPECT_GT(steps[0].at("errors").to_number<double>(), 0.0);
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{{blue_port(), "blue"}}));
  // After the rollback every request succeeds again.
  const auto before = load.statuses();
  std::this_thread::sleep_for(2s);
  load.stop();
  std::map<int, int> after = load.statuses();
  for (const auto& [status, count] : before) after[status] -= count;
  for (const auto& [status, count] : after) {
    if (status < 200 || status >= 300) {
      EXPECT_EQ(count, 0) << describe(after);
    }
  }
  // The failures the clients saw during the canary: counted, and no more than the
  // failing version answered.
  std::cout << "[deploy] failed requests seen by clients during the canary: " << load.failed()
            << " of " << load.total() << " (" << describe(load.statuses()) << ")\n";
  // (A request or two may reach it between the last read of its metrics and the switch.)
  EXPECT_LE(load.failed(), static_cast<int>(steps[0].at("errors").to_number<double>()) + 2);
}

TEST_P(Deploy, AnInterruptedDeployHandsTrafficBackAndAKilledOneIsUndoneByRollback) {
  SteadyLoad load(gateway(), admin_);
  // A deploy in the background, sent `signal` while green takes its first share; its exit code.
  const auto deploy_signalled = [](int signal) {
    platform::testing::ServiceProcess deploy(
        platform::testing::ServiceProcess::Background{}, SYLCTL_BINARY, {},
        {"deploy", "subject-service", "--build-dir", this_build(), "--pause", "30s"});
    const bool smoke_tested = deploy.wait_for_line(
        [](const std::string& line) { return line.find("smoke test: ready") != std::string::npos; },
        60s);
    EXPECT_TRUE(smoke_tested);
    std::this_thread::sleep_for(1500ms);
    deploy.send_signal(signal);
    return deploy.wait(30s);
  };
  // Ctrl-C: treated like a breach.
  EXPECT_EQ(deploy_signalled(SIGINT), 128 + SIGINT);
  const auto report = last_report();
  EXPECT_EQ(report.at("outcome").as_string(), "interrupted");
  EXPECT_EQ(report.at("reason").as_string(), "at 10%: SIGINT received");
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{{blue_port(), "blue"}}));
  EXPECT_FALSE(fs::exists("var/deploy/subject-service.deploying.json"));
  // Killed outright: both colours and the split stay until `sylctl rollback`.
  EXPECT_EQ(deploy_signalled(SIGKILL), 128 + SIGKILL);
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{
                              {0, "split"}, {blue_port(), "blue"}, {green_port(), "green"}}));
  const auto refused = sylctl({"deploy", "subject-service", "--build-dir", this_build()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("`sylctl rollback subject-service` finishes it"), std::string::npos)
      << refused.output;
  const auto undone = sylctl({"rollback", "subject-service"});
  ASSERT_EQ(undone.exit_code, 0) << undone.output;
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{{blue_port(), "blue"}}));
  // And the next deploy goes through.
  const auto deployed = sylctl({"deploy", "subject-service", "--build-dir", this_build(), "--steps",
                                "100", "--pause", "1s"});
  EXPECT_EQ(deployed.exit_code, 0) << deployed.output;
  EXPECT_EQ(registered(), (std::map<std::uint16_t, std::string>{{green_port(), "green"}}));
  std::this_thread::sleep_for(500ms);
  load.stop();
  EXPECT_EQ(load.failed(), 0) << describe(load.statuses());
}

INSTANTIATE_TEST_SUITE_P(Databases, Deploy, e2e::kBothDatabases, e2e::database_name);

}  // namespace
