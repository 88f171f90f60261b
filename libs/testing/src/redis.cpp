#include "platform/testing/redis.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

#include "platform/testing/ports.h"
#include "random_name.h"

namespace platform::testing {

std::string redis_server_url() {
  const char* url = std::getenv("SYLTEST_REDIS_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "SYLTEST_REDIS_URL is not set: run the tests with scripts/test.sh, which "
                     "starts a throwaway redis-server";
    throw std::runtime_error("SYLTEST_REDIS_URL is not set");
  }
  return url;
}

std::string unique_name(const std::string& prefix) {
  return prefix + "." + internal::random_hex(12);
}

RedisServer::RedisServer() {
  port_ = free_port();
  start();
}

RedisServer::RedisServer(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {
  std::filesystem::create_directories(data_dir_);
  port_ = free_port();
  start();
}

RedisServer::~RedisServer() {
  stop();
}

void RedisServer::start() {
  if (pid_ > 0) return;
  const std::string port = std::to_string(port_);
  const std::string data_dir = data_dir_.string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the test binary, even a crashed one
    // Quiet, loopback only; memory only unless given a directory.
    ::freopen("/dev/null", "w", stdout);
    if (data_dir.empty()) {
      ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--loglevel", "warning", nullptr);
    } else {
      ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
               "--dir", data_dir.c_str(), "--save", "", "--appendonly", "yes", "--appendfsync",
               "always", "--loglevel", "warning", nullptr);
    }
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts_connections(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start (is it installed?)");
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("redis-server did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

SilentServer::SilentServer() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // a free port, chosen by the kernel
  socklen_t length = sizeof address;
  if (listener_ < 0 ||
      ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (listener_ >= 0) ::close(listener_);
    throw std::runtime_error("cannot listen on a loopback port");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

SilentServer::~SilentServer() {
  stopping_ = true;
  thread_.join();
  ::close(listener_);
}

bool SilentServer::wait_for_received(std::string_view text, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return received_changed_.wait_for(lock, timeout,
                                    [&] { return received_.find(text) != std::string::npos; });
}

std::size_t SilentServer::received_count(std::string_view text) {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (auto at = received_.find(text); at != std::string::npos;
       at = received_.find(text, at + text.size()))
    ++count;
  return count;
}

void SilentServer::serve() {
  std::vector<pollfd> fds{{listener_, POLLIN, 0}};
  char buffer[4096];
  while (!stopping_) {
    // A short poll, so that the destructor is noticed soon.
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client >= 0) fds.push_back({client, POLLIN, 0});
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t read = ::read(fds[i].fd, buffer, sizeof buffer);
      if (read <= 0) {  // the client gave up: forget the connection
        ::close(fds[i].fd);
        fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i--));
        continue;
      }
      {
        std::lock_guard lock(mutex_);
        received_.append(buffer, static_cast<std::size_t>(read));
      }
      received_changed_.notify_all();
    }
  }
  for (std::size_t i = 1; i < fds.size(); ++i) ::close(fds[i].fd);
}

}  // namespace platform::testing
