// The HTTP/1.1 client services use to call each other (Boost.Beast and Asio, hidden in
// src/). Blocking calls over pooled keep-alive connections, safe from many threads.
//
//   Client subjects(ClientOptions{.peer_name = "subject-service"}, &registry, &logger);
//   auto response = subjects.send({.url = "http://subject-service:8101/subjects/42"},
//                                 &request.trace);
//   if (!response) return Response::problem(response.error(), request);  // 503, 504
//   if (auto problem = response->problem()) return Response::problem(*problem, request);
//   use(response->body);
//
// Two kinds of failure, kept apart:
// - Transport failures are Errors from send(): refused, reset, unknown host or a peer
//   that closed mid-answer -> kUnavailable ("<peer> is unavailable: ..."); no
//   connection within connect_timeout or no whole answer within request_timeout ->
//   kDeadlineExceeded; an answer we cannot accept (malformed, over max_response_bytes)
//   -> kInternal; a bad URL, method or header -> kInvalidArgument.
// - HTTP error statuses are values: check response->problem().
//
// Connections: an idle keep-alive connection is reused, newest first, when it is younger
// than idle_connection_ttl and the peer has not closed it. One the peer closed meanwhile
// is replaced transparently: a request that failed on a reused connection before any
// byte of the answer came is sent once more on a fresh connection when that is safe
// (see may_retry_on_fresh_connection). A POST or PATCH that may have reached the peer is
// never sent twice.
//
// Only http:// for now; https needs a TLS stream in src/client.cpp (OpenSSL is linked).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/error.h"
#include "platform/core/result.h"
#include "platform/http/message.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::http {

struct ClientOptions {
  // Resolving the host and opening the TCP connection.
  std::chrono::milliseconds connect_timeout{2000};
  // The whole exchange once connected: writing the request and reading the answer.
  std::chrono::milliseconds request_timeout{5000};
  std::size_t max_idle_connections_per_host = 16;  // 0 turns pooling off
  // Pooled connections idle for longer are closed (keep it below the peer's idle timeout).
  std::chrono::milliseconds idle_connection_ttl{30'000};
  std::size_t max_response_bytes = std::size_t{8} * 1024 * 1024;  // the body
  std::string user_agent = "syllabus-platform";
  // How error details name the peer ("subject-service"); "host:port" when empty. Error
  // details may reach our own clients, so a name is better than an address.
  std::string peer_name;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port][/path][?query]
  // Sent as given; Host and User-Agent are added when absent. Content-Length and
  // Transfer-Encoding are the client's own (from `body`) and are ignored here.
  Headers headers;
  std::string body;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;

  // nullopt for 1xx-3xx. For 4xx and 5xx, the failure as an Error, with the code from
  // error_code_for_status(); an application/problem+json body supplies the detail and
  // the field errors (`errors: [{field, message}]`), and its `type` picks between codes
  // that share a status (409: already_exists or failed_precondition).
  std::optional<core::Error> problem() const;
};

// The ErrorCode an HTTP error status stands for, the inverse of core::http_status():
// 400 malformed, 401 unauthenticated, 403 permission_denied, 404 and 410 not_found,
// 409 already_exists, 412 version_mismatch, 413 too_large, 415 unsupported_media_type,
// 422 invalid_argument, 428 failed_precondition, 429 resource_exhausted,
// 408 and 504 deadline_exceeded, 503 and every other 5xx unavailable (the peer failed:
// for our caller that is a dependency being down, not a bug of ours), and any other
// 4xx internal (the peer refused the form of our request: a bug on our side).
core::ErrorCode error_code_for_status(int status);

struct Url {
  std::string host;  // a name or an IPv4 address
  std::uint16_t port = 80;
  std::string target;  // path and query: "/subjects?limit=2"; at least "/"
};

// Parses http://host[:port][/path][?query][#fragment] (the fragment is dropped).
// kInvalidArgument for anything else, https and IPv6 literals included.
core::Result<Url> parse_url(std::string_view url);

// GET, HEAD, PUT, DELETE and OPTIONS: sending one twice has the effect of sending it once.
bool is_idempotent_method(std::string_view method);

// What is known about an attempt that failed.
struct FailedAttempt {
  bool reused_connection = false;  // the connection came from the pool
  bool request_written = false;    // every byte of the request was written
  bool response_started = false;   // at least one byte of an answer arrived
  bool timed_out = false;
};

// Whether a failed attempt may be repeated once on a fresh connection: only when it ran
// on a reused connection (a stale one, most likely), no answer had begun and the time
// had not run out, and then either the request was not written whole or the method is
// idempotent.
bool may_retry_on_fresh_connection(std::string_view method, const FailedAttempt& attempt);

class Client {
 public:
  // `registry` (optional) receives http_client_requests_total{peer,method,status} (status
  // "error" for transport failures) and http_client_request_duration_seconds{peer,method};
  // peer is "host:port". `logger` (optional) receives failures of the client's own tasks.
  // Both must outlive the client.
  explicit Client(ClientOptions options = {}, metrics::Registry* registry = nullptr,
                  logging::Logger* logger = nullptr);
  // Closes pooled connections and stops the client's io thread. Destroy the client only
  // once no thread will call send() again; sends already waiting on other threads then
  // complete at once with kUnavailable ("the client is shutting down").
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` and waits for the whole answer. Blocking; safe from many threads at
  // once. With `trace`, adds X-Request-ID and traceparent (ours as the parent span)
  // unless the request has them already.
  // Makes every send in flight fail at once with kUnavailable ("shutting down") and every
  // later one be refused, without destroying the client: how a thread blocked in a long
  // poll is stopped. Safe from any thread but the client's own; idempotent.
  void shutdown();

  core::Result<ClientResponse> send(const ClientRequest& request,
                                    const TraceContext* trace = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace platform::http
