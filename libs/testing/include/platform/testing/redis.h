// Redis for tests: the shared server scripts/test.sh starts (SYLTEST_REDIS_URL), and a
// private redis-server process for tests that stop and restart the broker.
//
//   std::string url = redis_server_url();    // fails the test when unset, never skips
//   RedisServer own;                          // redis-server on a free loopback port
//   own.stop();  ...  own.start();            // an outage, then the same port again
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace platform::testing {

// SYLTEST_REDIS_URL, e.g. "redis://127.0.0.1:6390". Records a failure and throws when unset.
std::string redis_server_url();

// A unique stream or group name for one test: "<prefix>.<random hex>".
std::string unique_name(const std::string& prefix);

class RedisServer {
 public:
  RedisServer();   // starts redis-server (no persistence) and waits until it answers
  ~RedisServer();  // stops it
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  void stop();   // SIGTERM and wait: the port refuses connections afterwards
  void start();  // again on the same port (data is gone: nothing is persisted)
  bool running() const { return pid_ > 0; }

 private:
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace platform::testing
