// Runs a service binary as a child process for API tests, the way an operator would:
// its own environment, stdout captured line by line, ready when it logs "ready".
//
//   ServiceProcess service(SUBJECT_SERVICE_BINARY, {{"SYL_HTTP_PORT", "0"}, ...});
//   http_request(service.port(), "GET", "/health/ready");
//   EXPECT_EQ(service.terminate(), 0);   // SIGTERM, then the exit code
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace platform::testing {

using Environment = std::vector<std::pair<std::string, std::string>>;

class ServiceProcess {
 public:
  // Starts `binary` with the test's environment minus every SYL_* variable plus `env`,
  // and waits up to `ready_timeout` for its "ready" log line. Throws std::runtime_error
  // (with the output so far) when it exits or times out first.
  ServiceProcess(const std::string& binary, const Environment& env,
                 const std::vector<std::string>& args = {},
                 std::chrono::milliseconds ready_timeout = std::chrono::seconds(20));
  // Starts any binary (`sylctl deploy`, say) without waiting for a "ready" line.
  struct Background {};
  ServiceProcess(Background, const std::string& binary, const Environment& env,
                 const std::vector<std::string>& args);
  ~ServiceProcess();  // SIGKILL if still running
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends SIGTERM and waits; returns the exit code (128 + signal when killed by one).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void send_signal(int signal) const;
  // Waits for the process to exit by itself; returns its exit code.
  int wait(std::chrono::milliseconds timeout);

  std::vector<std::string> output() const;
  // Waits until a line of output satisfies `predicate`.
  bool wait_for_line(const std::function<bool(const std::string&)>& predicate,
                     std::chrono::milliseconds timeout);

 private:
  void read_output(int fd);

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int exit_code_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool output_closed_ = false;
};

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `binary` to completion (same environment rules as ServiceProcess).
ProcessResult run_process(const std::string& binary, const Environment& env,
                          const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace platform::testing
