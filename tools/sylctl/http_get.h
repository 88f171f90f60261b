// The launcher's HTTP calls (health checks, the registry) through the platform's one HTTP
// client, kept alive across calls; and a plain TCP probe for servers that are not HTTP
// (Redis).
//
//   const HttpResult result = http_get("127.0.0.1", 8101, "/health/ready");
//   if (result.ok() && result.status == 200) ...
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sylctl {

struct HttpResult {
  int status = 0;  // 0 when no answer came (see error)
  std::string body;
  std::string error;  // connect refused, timeout, malformed answer
  std::chrono::microseconds latency{0};

  bool ok() const { return error.empty(); }
};

HttpResult http_get(const std::string& host, std::uint16_t port, std::string_view target,
                    std::chrono::milliseconds timeout = std::chrono::seconds(2));

// True when something accepts TCP connections on host:port.
bool port_answers(const std::string& host, std::uint16_t port,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

}  // namespace sylctl
