#include "platform/testing/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "platform/core/strings.h"

namespace platform::testing {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("http_client: " + what);
}

[[noreturn]] void fail_errno(const std::string& what) {
  fail(what + ": " + std::strerror(errno));
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd descriptor{fd, events, 0};
    const int ready = ::poll(&descriptor, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) fail_errno("poll");
  }
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (core::iequals(key, name)) return value;
  }
  return {};
}

bool HttpResponse::has_header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (core::iequals(key, name)) return true;
  }
  return false;
}

RawConnection RawConnection::connect(std::uint16_t port, const std::string& host) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  RawConnection connection(fd);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) fail("bad IPv4 address " + host);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    fail_errno("connect to " + host + ":" + std::to_string(port));
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return connection;
}

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

RawConnection& RawConnection::operator=(RawConnection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

RawConnection::~RawConnection() {
  close();
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawConnection::shutdown_send() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void RawConnection::send(std::string_view bytes) {
  if (!send_allow_error(bytes)) fail("peer closed the connection while sending");
}

bool RawConnection::send_allow_error(std::string_view bytes) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a closed peer must be an error value here, not SIGPIPE.
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd_, POLLOUT, deadline)) fail("timed out sending");
      continue;
    }
    if (errno == EPIPE || errno == ECONNRESET) return false;
    fail_errno("send");
  }
  return true;
}

bool RawConnection::fill(Clock::time_point deadline) {
  char chunk[16384];
  for (;;) {
    if (!wait_for(fd_, POLLIN, deadline)) fail("timed out waiting for the response");
    const ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(received));
      return true;
    }
    if (received == 0) return false;
    if (errno == EINTR || errno == EAGAIN) continue;
    if (errno == ECONNRESET) return false;
    fail_errno("recv");
  }
}

std::string RawConnection::read_line(Clock::time_point deadline) {
  for (;;) {
    const auto end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return line;
    }
    if (!fill(deadline)) fail("connection closed in the middle of a line");
  }
}

std::string RawConnection::read_exactly(std::size_t count, Clock::time_point deadline) {
  while (buffer_.size() < count) {
    if (!fill(deadline)) fail("connection closed before the whole body arrived");
  }
  std::string out = buffer_.substr(0, count);
  buffer_.erase(0, count);
  return out;
}

std::string RawConnection::read_until(std::string_view terminator,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto end = buffer_.find(terminator);
    if (end != std::string::npos) {
      std::string out = buffer_.substr(0, end + terminator.size());
      buffer_.erase(0, end + terminator.size());
      return out;
    }
    if (!fill(deadline)) fail("connection closed before the expected bytes arrived");
  }
}

HttpResponse RawConnection::read_response(std::chrono::milliseconds timeout, bool head_request) {
  const auto deadline = Clock::now() + timeout;
  HttpResponse response;
  for (;;) {
    const std::string status_line = read_line(deadline);
    // "HTTP/1.1 200 OK"
    if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) {
      fail("bad status line: " + status_line);
    }
    response.status = std::stoi(status_line.substr(9, 3));
    response.headers.clear();
    for (;;) {
      const std::string line = read_line(deadline);
      if (line.empty()) break;
      const auto colon = line.find(':');
      if (colon == std::string::npos) fail("bad header line: " + line);
      response.headers.emplace_back(
          line.substr(0, colon), std::string(core::trim(std::string_view(line).substr(colon + 1))));
    }
    if (response.status >= 200) break;  // skip interim answers such as 100 Continue
  }

  if (head_request || response.status == 204 || response.status == 304) return response;
  if (core::iequals(response.header("Transfer-Encoding"), "chunked")) {
    for (;;) {
      const std::string size_line = read_line(deadline);
      const std::size_t size = std::stoul(size_line.substr(0, size_line.find(';')), nullptr, 16);
      if (size == 0) {
        while (!read_line(deadline).empty()) {
        }
        break;
      }
      response.body += read_exactly(size, deadline);
      read_line(deadline);
    }
  } else if (response.has_header("Content-Length")) {
    response.body = read_exactly(std::stoul(response.header("Content-Length")), deadline);
  } else {
    while (fill(deadline)) {
    }
    response.body = std::move(buffer_);
    buffer_.clear();
  }
  return response;
}

bool RawConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char chunk[16384];
  for (;;) {
    if (!wait_for(fd_, POLLIN, deadline)) return false;
    const ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received == 0) return true;
    if (received < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return true;  // reset
    }
  }
}

std::string format_request(const std::string& method, const std::string& target,
                           const std::string& body, const HeaderList& headers) {
  std::string text = method + " " + target + " HTTP/1.1\r\n";
  bool has_host = false;
  bool has_content_type = false;
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    has_host = has_host || core::iequals(name, "Host");
    has_content_type = has_content_type || core::iequals(name, "Content-Type");
    has_length = has_length || core::iequals(name, "Content-Length") ||
                 core::iequals(name, "Transfer-Encoding");
    text += name + ": " + value + "\r\n";
  }
  if (!has_host) text += "Host: 127.0.0.1\r\n";
  if (!body.empty() && !has_content_type) text += "Content-Type: application/json\r\n";
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")) {
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  text += "\r\n";
  text += body;
  return text;
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const HeaderList& headers) {
  auto connection = RawConnection::connect(port);
  connection.send(format_request(method, target, body, headers));
  return connection.read_response(std::chrono::seconds(10), method == "HEAD");
}

bool wait_for_metric(std::uint16_t port, std::string_view series, double at_least,
                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string prefix = "\n" + std::string(series) + " ";
  for (;;) {
    const std::string text = "\n" + http_request(port, "GET", "/metrics").body;
    const auto at = text.find(prefix);
    if (at != std::string::npos && std::stod(text.substr(at + prefix.size())) >= at_least) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace platform::testing
