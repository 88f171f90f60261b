// A tiny blocking HTTP/1.1 client over raw sockets, for tests only. Deliberately not
// Beast: tests must be able to send what a real client would not (half a request,
// oversized headers, a body that never comes) and see exactly what came back.
//
//   auto response = http_request(port, "GET", "/subjects/42");
//   EXPECT_EQ(response.status, 200);
//   EXPECT_EQ(response.header("Content-Type"), "application/json");
//
//   auto connection = RawConnection::connect(port);
//   connection.send("GET /health/live HTTP/1.1\r\nHost: x\r\n");  // and then stall
//   EXPECT_TRUE(connection.closed_by_peer(2s));
//
// Every I/O error or timeout throws std::runtime_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace platform::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // in order received
  std::string body;

  // The first value of `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

class RawConnection {
 public:
  static RawConnection connect(std::uint16_t port, const std::string& host = "127.0.0.1");

  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  // Sends every byte or throws.
  void send(std::string_view bytes);
  // Sends what the peer accepts; false when the peer closed or reset the connection
  // (a server refusing a large body may close before it is all sent).
  bool send_allow_error(std::string_view bytes);

  // Reads one response. `head_request` skips the body of an answer to HEAD.
  HttpResponse read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                             bool head_request = false);
  // Reads up to and including `terminator` (e.g. "\r\n\r\n" for an interim response's
  // head); what follows stays buffered for the next read.
  std::string read_until(std::string_view terminator,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the peer closes (or resets) the connection within `timeout`, discarding
  // anything it still sends; false when it stays open.
  bool closed_by_peer(std::chrono::milliseconds timeout);

  void close();
  // Ends the sending side only (a half-close): the peer reads an end, and can still answer.
  void shutdown_send();
  int fd() const { return fd_; }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  // Reads more bytes into buffer_ before `deadline`; false on orderly close by the peer.
  bool fill(std::chrono::steady_clock::time_point deadline);
  std::string read_line(std::chrono::steady_clock::time_point deadline);
  std::string read_exactly(std::size_t count, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection. Adds Host and Content-Length, and Content-Type:
// application/json when there is a body and no Content-Type was given.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = "", const HeaderList& headers = {});

// Polls GET /metrics until the sample `series` (a name with its labels, as rendered, e.g.
// `config_watches_waiting` or `x_total{route="/a"}`) reaches at least `at_least`; false
// when `timeout` passes first. For waiting on "the server is in that state now".
bool wait_for_metric(std::uint16_t port, std::string_view series, double at_least,
                     std::chrono::milliseconds timeout);

// The request text http_request() sends, for tests that send it themselves.
std::string format_request(const std::string& method, const std::string& target,
                           const std::string& body = "", const HeaderList& headers = {});

}  // namespace platform::testing
