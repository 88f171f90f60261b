#include "http_get.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace sylctl {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd descriptor{fd, events, 0};
    const int ready = ::poll(&descriptor, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Connects without blocking past the deadline; returns what went wrong, or "".
std::string connect_to(const Socket& socket, const std::string& host, std::uint16_t port,
                       Clock::time_point deadline) {
  if (socket.fd() < 0) return std::string("socket: ") + std::strerror(errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return "bad IPv4 address " + host;
  }
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    return {};
  }
  if (errno != EINPROGRESS) return std::string("connect: ") + std::strerror(errno);
  if (!wait_for(socket.fd(), POLLOUT, deadline)) return "connect: timed out";
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) return std::string("connect: ") + std::strerror(error);
  return {};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

bool decode_chunked(std::string_view body, std::string& out) {
  for (;;) {
    const auto line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) return false;
    std::size_t size = 0;
    const auto size_text = body.substr(0, body.find_first_of(";\r"));
    const auto [end, error] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (error != std::errc{} || end == size_text.data()) return false;
    body.remove_prefix(line_end + 2);
    if (size == 0) return true;
    if (body.size() < size + 2) return false;
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

}  // namespace

bool parse_http_response(std::string_view raw, HttpResult& result) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return false;
  const std::string_view head = raw.substr(0, head_end);
  std::string_view body = raw.substr(head_end + 4);

  const auto first_line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, first_line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return false;
  const auto code = status_line.substr(9, 3);
  int status = 0;
  if (std::from_chars(code.data(), code.data() + code.size(), status).ec != std::errc{}) {
    return false;
  }

  bool chunked = false;
  std::optional<std::size_t> content_length;
  std::string_view headers =
      first_line_end == std::string_view::npos ? "" : head.substr(first_line_end + 2);
  while (!headers.empty()) {
    const auto end = headers.find("\r\n");
    const std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? "" : headers.substr(end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name = trim(line.substr(0, colon));
    const auto value = trim(line.substr(colon + 1));
    if (iequals(name, "Transfer-Encoding") && iequals(value, "chunked")) chunked = true;
    if (iequals(name, "Content-Length")) {
      std::size_t length = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), length).ec == std::errc{}) {
        content_length = length;
      }
    }
  }

  result.status = status;
  result.body.clear();
  if (chunked) return decode_chunked(body, result.body);
  if (content_length) {
    if (body.size() < *content_length) return false;
    body = body.substr(0, *content_length);
  }
  result.body.assign(body);
  return true;
}

HttpResult http_get(const std::string& host, std::uint16_t port, std::string_view target,
                    std::chrono::milliseconds timeout) {
  HttpResult result;
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  const auto finish = [&](std::string error) {
    result.error = std::move(error);
    result.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    return result;
  };

  Socket socket;
  if (auto error = connect_to(socket, host, port, deadline); !error.empty()) return finish(error);

  const std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + host + ":" +
                              std::to_string(port) +
                              "\r\nUser-Agent: sylctl\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  std::string_view pending = request;
  while (!pending.empty()) {
    const ssize_t sent = ::send(socket.fd(), pending.data(), pending.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      pending.remove_prefix(static_cast<std::size_t>(sent));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(socket.fd(), POLLOUT, deadline)) return finish("timed out sending");
    } else if (errno != EINTR) {
      return finish(std::string("send: ") + std::strerror(errno));
    }
  }

  // Connection: close, so the answer ends where the stream does.
  std::string raw;
  char buffer[8192];
  for (;;) {
    const ssize_t received = ::recv(socket.fd(), buffer, sizeof buffer, 0);
    if (received > 0) {
      raw.append(buffer, static_cast<std::size_t>(received));
    } else if (received == 0) {
      break;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(socket.fd(), POLLIN, deadline))
        return finish("timed out waiting for the answer");
    } else if (errno != EINTR) {
      return finish(std::string("recv: ") + std::strerror(errno));
    }
  }
  if (!parse_http_response(raw, result)) return finish("malformed HTTP answer");
  return finish({});
}

bool port_answers(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  Socket socket;
  return connect_to(socket, host, port, Clock::now() + timeout).empty();
}

}  // namespace sylctl
