#include "http_get.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "platform/http/server.h"

namespace sylctl {
namespace {

using namespace std::chrono_literals;

class HttpGetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    platform::http::Router router;
    router
        .get("/health/ready",
             [](platform::http::Request&) {
               return platform::http::Response::json(200, R"({"status":"up"})");
             })
        .get("/slow", [](platform::http::Request&) {
          std::this_thread::sleep_for(1s);
          return platform::http::Response::json(200, "{}");
        });
    server_ = std::make_unique<platform::http::Server>(platform::http::ServerOptions{},
                                                       std::move(router), logger_, registry_);
    port_ = server_->start();
  }
  void TearDown() override { server_->stop(); }

  platform::logging::Logger logger_{"test", "test-1", platform::logging::Level::kWarn,
                                    [](std::string_view) {}};
  platform::metrics::Registry registry_;
  std::unique_ptr<platform::http::Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(HttpGetTest, ReturnsTheStatusTheBodyAndTheLatency) {
  const HttpResult result = http_get("127.0.0.1", port_, "/health/ready");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"status":"up"})");
  EXPECT_GT(result.latency.count(), 0);
}

TEST_F(HttpGetTest, GivesUpAfterItsTimeout) {
  const auto started = std::chrono::steady_clock::now();
  const HttpResult result = http_get("127.0.0.1", port_, "/slow", 200ms);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);
}

TEST_F(HttpGetTest, PortAnswersTellsWhetherSomethingListens) {
  EXPECT_TRUE(port_answers("127.0.0.1", port_));
  EXPECT_FALSE(port_answers("127.0.0.1", 1));
}

TEST(HttpGet, ReportsAConnectionRefused) {
  // Port 1 on loopback: nothing listens there in a test environment.
  const HttpResult result = http_get("127.0.0.1", 1, "/health/ready");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
}

}  // namespace
}  // namespace sylctl
