#include "http_get.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/http/client.h"

namespace sylctl {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Connects a non-blocking socket to host:port (an IPv4 address) before `deadline`.
bool connects(const std::string& host, std::uint16_t port, Clock::time_point deadline) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  bool ok = ::inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1;
  if (ok && ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ok = false;
    if (errno == EINPROGRESS) {
      pollfd descriptor{fd, POLLOUT, 0};
      if (::poll(&descriptor, 1, remaining_ms(deadline)) > 0) {
        int error = 0;
        socklen_t length = sizeof error;
        ok = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
      }
    }
  }
  ::close(fd);
  return ok;
}

// One client for the launcher's whole life: health checks every few seconds reuse their
// connections.
platform::http::Client& client() {
  static platform::http::Client instance(
      platform::http::ClientOptions{.connect_timeout = std::chrono::seconds(2),
                                    .max_idle_connections_per_host = 2,
                                    .user_agent = "sylctl"});
  return instance;
}

}  // namespace

HttpResult http_get(const std::string& host, std::uint16_t port, std::string_view target,
                    std::chrono::milliseconds timeout) {
  HttpResult result;
  const auto started = Clock::now();
  auto answer =
      client().send({.url = "http://" + host + ":" + std::to_string(port) + std::string(target)},
                    {.timeout = timeout});
  result.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  if (!answer) {
    result.error = answer.error().detail();
    return result;
  }
  result.status = answer->status;
  result.body = std::move(answer->body);
  return result;
}

bool port_answers(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  return connects(host, port, Clock::now() + timeout);
}

}  // namespace sylctl
