// Redis for tests: the shared server scripts/test.sh starts (SYLTEST_REDIS_URL), a
// private redis-server process for tests that stop and restart the broker, and a server
// that hangs.
//
//   std::string url = redis_server_url();    // fails the test when unset, never skips
//   RedisServer own;                          // redis-server on a free loopback port
//   own.stop();  ...  own.start();            // an outage, then the same port again
//   SilentServer hanging;                     // accepts, reads, never answers
//   hanging.wait_for_received("XADD", 10s);   // the client is waiting on it now
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace platform::testing {

// SYLTEST_REDIS_URL, e.g. "redis://127.0.0.1:6390". Records a failure and throws when unset.
std::string redis_server_url();

// A unique stream or group name for one test: "<prefix>.<random hex>".
std::string unique_name(const std::string& prefix);

class RedisServer {
 public:
  RedisServer();  // starts redis-server (no persistence) and waits until it answers
  // The same, persisting to an append-only file in `data_dir`, as a production broker
  // does: what it held survives stop() and start().
  explicit RedisServer(std::filesystem::path data_dir);
  ~RedisServer();  // stops it
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  void stop();   // SIGTERM and wait: the port refuses connections afterwards
  void start();  // again on the same port (data is gone unless persisted)
  bool running() const { return pid_ > 0; }

 private:
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::filesystem::path data_dir_;  // empty: memory only
};

// A TCP server on a free loopback port that accepts connections and reads whatever they
// send but never answers: a Redis that hangs (connects fine, every command times out).
class SilentServer {
 public:
  SilentServer();   // listening once constructed
  ~SilentServer();  // closes every connection
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  // Waits until the bytes received so far (over all connections) contain `text`.
  bool wait_for_received(std::string_view text, std::chrono::milliseconds timeout);
  // How many times `text` occurs in the bytes received so far (commands sent, say).
  std::size_t received_count(std::string_view text);

 private:
  void serve();

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable received_changed_;
  std::string received_;
  std::thread thread_;
};

}  // namespace platform::testing
