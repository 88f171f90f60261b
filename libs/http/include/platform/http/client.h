// The one HTTP/1.1 client for every outgoing call of the platform (Boost.Beast, Asio and
// OpenSSL, hidden in src/): calls between services, the S3 storage backend, the
// launcher's probes, and (later) the gateway's proxying. It is:
// - asynchronous: start() returns at once and a call in flight holds no thread (a proxy
//   must not hold one per call); send() is the blocking form for worker threads;
// - bounded: each call has one deadline for everything (DNS, connect, TLS, the exchange)
//   and can be cancelled (the caller went away);
// - streaming both ways: a request body from a BodySource (Content-Length when its size
//   is known, else chunked), a response body read piece by piece (CallOptions::
//   stream_response) in bounded memory;
// - pooled: keep-alive connections per host with a cap on connections per host (calls
//   beyond it wait for one within their deadline);
// - secure: https with the peer's certificate chain and host name verified (the system's
//   trust store or ClientOptions::ca_file), SNI sent; one TLS context made at start-up.
//
//   Client subjects(ClientOptions{.peer_name = "subject-service"}, &registry, &logger);
//   auto response = subjects.send({.url = "http://127.0.0.1:8101/subjects/42"},
//                                 {.timeout = 2s, .trace = &request.trace});
//   if (!response) return Response::problem(response.error(), request);  // 503, 504
//   if (response->status == 404) return invalid("subject_id", "does not exist");
//   if (auto problem = response->problem()) return problem->as_dependency_failure();
//   use(response->body);
//
//   CallHandle call = client.start(std::move(request), {.timeout = 5s},
//                                  [](core::Result<ClientResponse> result) { ... });
//   call.cancel();  // the caller went away: the callback gets kUnavailable "cancelled"
//
// Two kinds of failure, kept apart:
// - Transport failures are Errors: refused, reset, unknown host, TLS verification failed,
//   or a peer that closed mid-answer -> kUnavailable ("<peer> is unavailable: ..."); the
//   deadline passed -> kDeadlineExceeded; an answer we cannot accept (malformed, over
//   max_response_bytes) -> kInternal; a bad URL, method or header -> kInvalidArgument;
//   cancelled -> kUnavailable ("the call was cancelled"); a request body source whose
//   read failed -> that read's own error, marked Error::request_body_failed() (the
//   caller's body, not the peer, ended the call).
// - HTTP answers, error statuses included, are values: a peer's 404 is the peer's, never
//   our own 404 by accident. PeerProblem::as_dependency_failure() is the safe default
//   when a caller has no better mapping.
//
// Connections: an idle keep-alive connection is reused, newest first, when it is younger
// than idle_connection_ttl and the peer has not closed it (not looked at when it went idle
// less than a second ago and the request can be repeated). A request that failed on a
// reused connection before any byte of the answer came is sent once more on a fresh
// connection when that is safe (see may_retry_on_fresh_connection): a POST or PATCH that
// may have reached the peer is never sent twice. Other retries are the caller's policy.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/result.h"
#include "platform/http/event_loop.h"
#include "platform/http/message.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::http {

struct ClientOptions {
  // Resolving the host, opening the TCP connection and the TLS handshake, at most (the
  // call's own deadline may end it sooner).
  std::chrono::milliseconds connect_timeout{2000};
  // A call's deadline when CallOptions gives none.
  std::chrono::milliseconds request_timeout{5000};
  // Connections per host (in use and idle); calls beyond wait for one within their
  // deadline. 0 means no cap.
  std::size_t max_connections_per_host = 64;
  std::size_t max_idle_connections_per_host = 16;  // 0 turns pooling off
  // Pooled connections idle for longer are closed (keep it below the peer's idle timeout).
  std::chrono::milliseconds idle_connection_ttl{30'000};
  std::size_t max_response_bytes = std::size_t{8} * 1024 * 1024;  // a buffered body
  std::string user_agent = "syllabus-platform";
  // How error details name the peer ("subject-service"); "host:port" when empty. Error
  // details may reach our own clients, so a name is better than an address. Also the
  // `peer` label of the metrics.
  std::string peer_name;
  // https: a PEM bundle to trust instead of the system's store (a private CA, tests).
  // Read once, at construction: a file that cannot be read throws std::runtime_error.
  std::string ca_file;
  // Network threads, each with its own connections. Calls are spread over them by host:
  // every call to one host runs on the same thread, so the cap per host holds exactly.
  int io_threads = 1;
  // Run the calls on a server's network threads instead of threads of the client's own
  // (io_threads is then ignored): how a proxy answers without handing each call to
  // another thread and back. See event_loop.h for what it means for starting, sending
  // and stopping.
  std::shared_ptr<EventLoop> event_loop;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http[s]://host[:port][/path][?query]; IPv6 literals in brackets
  // Sent as given; Host and User-Agent are added when absent. Content-Length,
  // Transfer-Encoding and hop-by-hop fields are the client's own and are ignored here.
  Headers headers;
  std::string body;
  // A streamed body instead of `body`: read in pieces (on a thread of the client's, not
  // its network thread) while it is sent.
  std::shared_ptr<BodySource> body_source;
};

using Clock = std::chrono::steady_clock;

struct CallOptions {
  // The deadline of the whole call, connecting included: the earlier of `timeout` from
  // now and `deadline`; ClientOptions::request_timeout when both are unset.
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<Clock::time_point> deadline;
  // Adds X-Request-ID and a traceparent with a new span id for this call (unless the
  // request has them already).
  const TraceContext* trace = nullptr;
  // Leave the body unread: it is read through ClientResponse::body_stream, which holds
  // the connection until the body ends or the stream is destroyed. The deadline then
  // covers the answer's header; each later read has the remaining time or, once it has
  // passed, request_timeout.
  bool stream_response = false;
  // With stream_response: an answer whose Content-Length is at most this many bytes is
  // read whole (into ClientResponse::body, body_stream left null) before the callback,
  // without a thread. How a proxy streams large bodies and passes small ones on at once.
  std::uint64_t buffer_response_up_to = 0;
};

// An RFC 9457 problem answered by a peer, as the peer said it.
struct PeerProblem {
  std::string peer;  // the client's peer name
  int status = 0;
  std::string type;
  std::string title;
  std::string detail;
  std::vector<core::FieldError> errors;

  // What the peer's failure means to the caller when it has no better mapping: the peer
  // being down or overloaded (503, 502, 500, 429: kUnavailable, "<peer> is unavailable"),
  // too slow (504, 408: kDeadlineExceeded), or refusing what we sent (any other 4xx:
  // kInternal, since a well-formed request of ours should not be refused). Never the
  // peer's own status as ours: a peer's 404 must not become our 404.
  core::Error as_dependency_failure() const;
};

struct ClientResponse {
  std::string peer;  // who answered: ClientOptions::peer_name, else "host:port"
  int status = 0;
  Headers headers;  // without hop-by-hop fields
  std::string body;
  // Set instead of `body` when the call asked for CallOptions::stream_response.
  std::shared_ptr<BodyReader> body_stream;

  // For 4xx and 5xx: the peer's problem. A body that is not problem+json (a proxy's HTML
  // page) still yields the status, with the start of the body as detail.
  std::optional<PeerProblem> problem() const;
  // Retry-After as a delay from now (delta-seconds or an HTTP date); nullopt when absent
  // or unreadable.
  std::optional<std::chrono::seconds> retry_after() const;
};

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 80;
  std::string target;  // path and query: "/subjects?limit=2"; at least "/"

  bool tls() const { return scheme == "https"; }
  // "host:port", with brackets around an IPv6 address: a pool key and metric label.
  std::string authority() const;
  // The Host header: the port only when it is not the scheme's default.
  std::string host_header() const;
};

// Parses http[s]://host[:port][/path][?query][#fragment] (the fragment is dropped).
// kInvalidArgument for anything else: another scheme, user info, a bad port, spaces or
// control characters.
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
// idempotent. A streamed request body is never sent twice (it cannot be read again).
bool may_retry_on_fresh_connection(std::string_view method, const FailedAttempt& attempt);

// A call started with Client::start. Copies share the call.
class CallHandle {
 public:
  CallHandle() = default;
  // Ends the call as soon as possible: its callback receives kUnavailable "cancelled"
  // unless the answer came first. Safe from any thread, any number of times.
  void cancel() const;

 private:
  friend class Client;
  std::function<void()> cancel_;
};

class Client {
 public:
  using Callback = std::function<void(core::Result<ClientResponse>)>;

  // `registry` (optional) receives http_client_requests_total{peer,method,status} (status
  // "error" for transport failures), http_client_request_duration_seconds{peer,method}
  // and http_client_pool_waits_total{peer}. `logger` (optional) receives failures of the
  // client's own tasks. Both must outlive the client. Throws std::runtime_error when the
  // TLS context cannot be made (ca_file unreadable).
  explicit Client(ClientOptions options = {}, metrics::Registry* registry = nullptr,
                  logging::Logger* logger = nullptr);
  // Closes the connections and stops the client's threads; calls still in flight complete
  // at once with kUnavailable ("the client is shutting down").
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts the call and returns at once; `done` is called exactly once, on a network
  // thread of the client: keep it short and never block in it (no send() there). Called
  // on that thread, start() begins the exchange itself, and `done` may come before it
  // returns: hold no lock across start() that `done` takes.
  CallHandle start(ClientRequest request, CallOptions options, Callback done);

  // Sends and waits for the answer (its header only, with stream_response). Blocking; safe
  // from many threads at once, but not from the client's own (kInternal there).
  core::Result<ClientResponse> send(ClientRequest request, CallOptions options = {});

  // Makes every call in flight fail at once with kUnavailable ("shutting down") and every
  // later one be refused, without destroying the client: how a thread blocked in a long
  // poll is stopped. Safe from any thread but the client's own; idempotent.
  void shutdown();

  // Whether the calling thread runs the client's calls (a thread of its own, or of the
  // server whose loop it shares): waiting there for one of its answers would wait forever.
  bool on_own_thread() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace platform::http
