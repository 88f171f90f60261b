// A small blocking HTTP/1.1 client, just enough for S3: one request per connection, a
// body sent from a string or streamed from a file, the response body read as a stream
// (Content-Length, chunked, or until close) so that a large object never sits in memory.
// https:// goes through OpenSSL with peer and host-name verification against the system
// CA store (or `ca_file`) and SNI. Boost.Beast stays in libs/http; this keeps the S3
// adapter free of it.
//
//   auto endpoint = Endpoint::parse("http://127.0.0.1:9000");
//   HttpClient client({.connect_timeout = 5s, .io_timeout = 30s});
//   auto response = client.send(*endpoint, {.method = "GET", .target = "/bucket/key"});
//   if (!response) return response.error();            // kUnavailable: could not talk
//   std::array<char, 65536> buffer;
//   while (auto n = response->read(buffer)) { if (*n == 0) break; use(buffer, *n); }
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infrastructure/s3/sigv4.h"
#include "platform/core/result.h"

namespace file_service::infrastructure::s3 {

// Where requests go: "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com/base".
struct Endpoint {
  bool tls = false;
  std::string host;  // name or IPv4 address; an IPv6 literal without brackets
  std::uint16_t port = 80;
  std::string base_path;  // decoded, without a trailing '/': "" or "/base"

  // kInvalidArgument for anything but http(s)://host[:port][/path].
  static platform::core::Result<Endpoint> parse(std::string_view url);
  // The Host header: the port only when it is not the scheme's default.
  std::string host_header() const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect and TLS handshake
  std::chrono::milliseconds io_timeout{30000};      // each send or receive that blocks
  std::string ca_file;  // PEM bundle trusted in place of the system store (tests, private CA)
};

struct HttpRequest {
  std::string method;
  std::string target;                // encoded path and query: "/bucket/a%20b?list-type=2"
  std::vector<HeaderField> headers;  // Host, Content-Length, Connection are added
  std::string body;
  // When set, the body is this file's content, streamed; `body` is ignored.
  std::optional<std::filesystem::path> body_file;
};

class Connection;

// A response whose body is read on demand; owns the connection until destroyed.
class HttpResponse {
 public:
  HttpResponse(HttpResponse&&) noexcept;
  HttpResponse& operator=(HttpResponse&&) noexcept;
  ~HttpResponse();

  int status() const { return status_; }
  const std::vector<HeaderField>& headers() const { return headers_; }
  // The first header of that name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;

  // Up to buffer.size() bytes of the body; 0 at its end. kUnavailable when the connection
  // fails or closes before the framing says the body ends.
  platform::core::Result<std::size_t> read(std::span<char> buffer);
  // The whole body; kUnavailable past `limit` bytes (error documents are small).
  platform::core::Result<std::string> read_all(std::size_t limit = 1 << 20);

 private:
  friend class HttpClient;
  enum class Framing { kNone, kLength, kChunked, kUntilClose };
  HttpResponse() = default;
  platform::core::Result<std::size_t> read_chunked(std::span<char> buffer);

  std::unique_ptr<Connection> connection_;
  int status_ = 0;
  std::vector<HeaderField> headers_;
  Framing framing_ = Framing::kNone;
  std::uint64_t remaining_ = 0;  // of the body (kLength) or of the current chunk (kChunked)
  bool chunk_open_ = false;      // inside a chunk's data
  bool finished_ = false;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connects, sends, and reads the status line and headers. kUnavailable when the peer
  // cannot be reached, times out, fails TLS verification or answers garbage. The response
  // to a HEAD has no body whatever its Content-Length says.
  platform::core::Result<HttpResponse> send(const Endpoint& endpoint, const HttpRequest& request);

 private:
  HttpOptions options_;
  struct TlsContext;
  std::unique_ptr<TlsContext> tls_;  // created on the first https request
};

}  // namespace file_service::infrastructure::s3
