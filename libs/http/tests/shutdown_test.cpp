// The stop a rollout needs, seen from outside a real process (tests/test_server_main.cpp):
// readiness turns 503 first, the instance deregisters, it keeps serving for the drain
// delay, then the listener closes; a handler that never returns cannot keep the process
// alive; a second SIGTERM ends it at once.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "platform/testing/http_client.h"
#include "platform/testing/service_process.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using platform::testing::format_request;
using platform::testing::http_request;
using platform::testing::RawConnection;
using platform::testing::ServiceProcess;
using Clock = std::chrono::steady_clock;

bool handler_started(ServiceProcess& process) {
  return process.wait_for_line(
      [](const std::string& line) { return line.find("\"handler started\"") != std::string::npos; },
      5s);
}

bool has_line(const ServiceProcess& process, std::string_view text) {
  for (const auto& line : process.output()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

std::size_t line_index(const ServiceProcess& process, std::string_view text) {
  const auto lines = process.output();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(text) != std::string::npos) return i;
  }
  return lines.size();
}

TEST(Shutdown, ReadinessTurns503ThenTheInstanceDeregistersKeepsServingAndThenStopsAccepting) {
  ServiceProcess server(HTTP_TEST_SERVER_BINARY, {{"DRAIN_DELAY_MS", "1500"}});
  const auto port = server.port();
  ASSERT_EQ(http_request(port, "GET", "/health/ready").status, 200);
  server.send_signal(SIGTERM);

  // 1. Not ready any more, at once.
  int ready_status = 0;
  const auto deadline = Clock::now() + 1s;
  while (Clock::now() < deadline) {
    ready_status = http_request(port, "GET", "/health/ready").status;
    if (ready_status == 503) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(ready_status, 503);
  // 2. Deregistered after readiness turned: the order in its log.
  ASSERT_TRUE(server.wait_for_line(
      [](const std::string& line) { return line.find("\"deregistered\"") != std::string::npos; },
      2s));
  EXPECT_LT(line_index(server, "\"msg\":\"draining\""), line_index(server, "\"deregistered\""));
  // 3. Still serving during the drain delay, each answer closing its connection.
  const auto during = http_request(port, "GET", "/slow/0");
  EXPECT_EQ(during.status, 200);
  EXPECT_EQ(during.header("Connection"), "close");
  // Then the listener closes and the process ends cleanly.
  EXPECT_EQ(server.wait(5s), 0);
  EXPECT_THROW(RawConnection::connect(port), std::runtime_error);
}

TEST(Shutdown, AHandlerThatNeverReturnsDoesNotKeepTheProcessAlive) {
  ServiceProcess server(HTTP_TEST_SERVER_BINARY,
                        {{"SHUTDOWN_TIMEOUT_MS", "300"}, {"WORKER_JOIN_TIMEOUT_MS", "300"}});
  auto stuck = RawConnection::connect(server.port());
  stuck.send(format_request("GET", "/stuck"));
  ASSERT_TRUE(handler_started(server));
  const auto before = Clock::now();
  server.send_signal(SIGTERM);
  EXPECT_EQ(server.wait(5s), 0);
  EXPECT_LT(Clock::now() - before, 3s);
  EXPECT_TRUE(has_line(server, "abandoning"));
}

TEST(Shutdown, ASecondSigtermEndsTheProcessAtOnce) {
  ServiceProcess server(HTTP_TEST_SERVER_BINARY, {{"SHUTDOWN_TIMEOUT_MS", "30000"}});
  auto slow = RawConnection::connect(server.port());
  slow.send(format_request("GET", "/slow/20000"));
  ASSERT_TRUE(handler_started(server));
  server.send_signal(SIGTERM);
  ASSERT_TRUE(server.wait_for_line(
      [](const std::string& line) { return line.find("\"draining\"") != std::string::npos; }, 2s));
  const auto before = Clock::now();
  server.send_signal(SIGTERM);
  EXPECT_EQ(server.wait(3s), 128 + SIGTERM);
  EXPECT_LT(Clock::now() - before, 2s);
}

}  // namespace
}  // namespace platform::http
