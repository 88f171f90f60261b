// Plain HTTP request and response types. Handlers and middleware see only these;
// Boost.Beast and Asio stay inside the http library's sources.
//
//   Response get_subject(Request& request) {
//     auto id = request.path_param("id");
//     auto limit = request.query_param("limit");          // percent-decoded
//     if (bad) return Response::problem(Error::not_found("..."), request);
//     return Response::json(200, body).with_header("ETag", "\"3\"");
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/result.h"
#include "platform/logging/logger.h"

namespace platform::http {

// One header field, viewed in the list that holds it: valid until that list is destroyed or
// assigned to, whatever is added to it, set in it or removed from it meanwhile (a field's
// text never moves).
struct Header {
  std::string_view name;
  std::string_view value;
};

// An ordered list of header fields; names compare case-insensitively. The fields' text is
// kept in a few blocks the list owns rather than in two strings per field: a message's
// fields cost an allocation or two, and a copy of the list one block.
class Headers {
 public:
  Headers() = default;
  Headers(const Headers& other);
  Headers& operator=(const Headers& other);
  // The list moved from is left empty, and owns no block it could write into.
  Headers(Headers&& other) noexcept;
  Headers& operator=(Headers&& other) noexcept;
  ~Headers() = default;

  // The first value of `name`, or nullopt.
  std::optional<std::string_view> find(std::string_view name) const;
  // The first value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const { return find(name).value_or(""); }
  bool contains(std::string_view name) const { return find(name).has_value(); }
  // How many fields are named `name`.
  std::size_t count(std::string_view name) const;
  // Replaces every field named `name` by one with `value` (where the first one was).
  void set(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value);
  void remove(std::string_view name);

  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  // Room for `count` fields and `text_bytes` of their names and values: one allocation
  // each for a message that will get many.
  void reserve(std::size_t count, std::size_t text_bytes = 0);

 private:
  // A copy of `text` in the current block, or in a new one when it has no room.
  std::string_view keep(std::string_view text);
  void new_block(std::size_t at_least);
  // Back to an empty list that owns no block.
  void clear_storage() noexcept;
  void swap_storage(Headers& other) noexcept;

  std::vector<Header> fields_;  // views into the blocks
  // Freed only when the list is destroyed or assigned to. The first block is held apart:
  // most lists never need a second, and so make no list of blocks either.
  std::unique_ptr<char[]> first_block_;
  std::vector<std::unique_ptr<char[]>> more_blocks_;
  char* free_ = nullptr;  // the current block's unused end
  std::size_t room_ = 0;  // and its size
  std::size_t last_block_size_ = 0;
};

// Hop-by-hop fields (RFC 9110 §7.6.1) describe one connection, not the message: Connection
// and every field it names, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding,
// Upgrade. The server removes them from requests before a handler sees them and from
// responses before writing; the client likewise, so a proxy never forwards them.
bool is_hop_by_hop(std::string_view name);
void remove_hop_by_hop(Headers& headers);

// W3C Trace Context plus our request id; set by the server before any handler runs.
struct TraceContext {
  std::string request_id;      // from X-Request-ID when valid, else generated
  std::string trace_id;        // 32 lower-case hex digits
  std::string span_id;         // 16 hex digits: this server's span for the request
  std::string parent_span_id;  // the caller's span from `traceparent`, or empty
  bool sampled = true;

  // The `traceparent` naming this span as the parent.
  std::string traceparent() const;
  // A `traceparent` for an outgoing call: this trace, a new span id (the call's own).
  std::string child_traceparent() const;
  logging::Context log_context() const { return {request_id, trace_id, span_id}; }
};

// The body of a request to a streamed route (Router::post_streamed), read piece by piece
// by the handler instead of arriving whole in Request::body: uploads of any size in
// bounded memory. Reads block the handler's (worker) thread, never a network thread.
//
//   std::array<char, 65536> chunk;
//   for (;;) {
//     auto n = request.body_reader->read(chunk);
//     if (!n) return Response::problem(n.error(), request);  // client gone, stalled...
//     if (*n == 0) break;                                     // the whole body was read
//     sink.write({chunk.data(), *n});
//   }
//
// A handler may answer before reading everything (413, 415): the server then answers
// with `Connection: close` and does not read the rest.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Fills up to buffer.size() bytes with the next body bytes and returns how many; 0 once
  // the whole body was read. The first read sends `100 Continue` when the client asked.
  // Errors: kMalformed for broken chunked framing, or a body the client ended early by
  // closing its side (an orderly close: the detail says how much came); kUnavailable when
  // the client reset the connection or the server is stopping; kDeadlineExceeded when no
  // byte arrived within the read timeout.
  virtual core::Result<std::size_t> read(std::span<char> buffer) = 0;
  // The body's declared Content-Length; nullopt for a chunked body.
  virtual std::optional<std::uint64_t> content_length() const = 0;
  // Body bytes read so far.
  virtual std::uint64_t bytes_read() const = 0;
};

// A body produced while it is written, for bodies too large to hold in memory: a
// response's (Response::stream) or an outgoing request's (ClientRequest::body_source).
// Read on a worker thread, or sent by the kernel when it is a range of an open file.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Content-Length: exactly this many bytes must follow. nullopt when the length is not
  // known in advance: the body is sent chunked (to an HTTP/1.0 client: until close).
  virtual std::optional<std::uint64_t> size() const = 0;
  // Fills up to buffer.size() bytes with the next body bytes and returns how many; 0 only
  // at the end (after size() bytes when the size is known). An error ends the exchange:
  // the server closes the connection, so the client sees a body shorter than its
  // Content-Length (or a chunked body without its last chunk), never a wrong one.
  virtual core::Result<std::size_t> read(std::span<char> buffer) = 0;

  // When the body is bytes [offset, offset + size()) of an open regular file: the server
  // sends them with sendfile(2) and read() is not called.
  struct FileRange {
    int descriptor = -1;  // stays open while the source lives
    std::uint64_t offset = 0;
  };
  virtual std::optional<FileRange> file_range() const { return std::nullopt; }
};

// Who made a request, as the gateway vouched for it (identity.h); anonymous otherwise.
struct Caller {
  std::string user_id;  // "" for an anonymous caller
  std::vector<std::string> roles;

  bool authenticated() const { return !user_id.empty(); }
  bool has_role(std::string_view role) const;
};

// Tells a deferred handler (Router::add_async) that its client went away before the
// answer, so that the work done for it stops: a proxy cancels its upstream call.
//
//   if (request.cancellation) request.cancellation->on_cancel([call] { call.cancel(); });
class Cancellation {
 public:
  // Runs `action` once the request is cancelled: at once (on this thread) when it was
  // already, else on the thread that cancels. Actions must be short and never block.
  void on_cancel(std::function<void()> action);
  // Runs the actions registered so far and later ones at once; idempotent, any thread.
  void cancel();
  bool cancelled() const;

 private:
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::vector<std::function<void()>> actions_;
};

// The caller's remaining time budget in milliseconds, sent with every call between
// services (docs/resilience.md): relative, so the hosts' clocks need not agree. A callee
// never works for a caller that has given up.
inline constexpr std::string_view kRequestTimeoutHeader = "X-Request-Timeout-Ms";

// A request method as a metric label: clients choose the method token, so anything but
// the seven common methods is folded into "OTHER" to keep the label set bounded.
std::string_view method_label(std::string_view method);

// A handler reads the request and may narrow `route`; it does not reassign `method` or
// `path`, which the server's access line and span view until the answer is written.
struct Request {
  std::string method;     // upper-case token: "GET"
  std::string target;     // as received: "/subjects?limit=2"
  std::string path;       // the target without its query, not decoded: "/subjects"
  std::string query;      // the raw query without '?': "limit=2"
  unsigned version = 11;  // HTTP/1.1 -> 11, HTTP/1.0 -> 10
  Headers headers;        // without hop-by-hop fields
  std::string body;       // empty for a streamed route: read it from body_reader
  std::string remote_address;
  // Set, for the handler's call only, on a streamed route (Router::post_streamed).
  BodyReader* body_reader = nullptr;

  // When the caller gives up: now + X-Request-Timeout-Ms at arrival (see
  // kRequestTimeoutHeader). A handler passes it on to its own calls; the server answers 504
  // without running the handler once it has passed.
  std::optional<std::chrono::steady_clock::time_point> deadline;

  // Set by the server for a deferred route: cancelled when the client closes its
  // connection before the answer (noticed once the answer is 50 ms late: the server
  // watches only for requests that take that long). Null for other routes.
  std::shared_ptr<Cancellation> cancellation;

  Caller caller;  // set by identity_middleware; anonymous without it
  // The matched route template: "/subjects/{id}"; empty when none. A handler may narrow a
  // catch-all one ("/{path...}") to what it served (a proxy: its route's prefix): the
  // metrics, the access line and the server span then name that.
  std::string route;
  std::vector<std::pair<std::string, std::string>> path_params;  // percent-decoded
  TraceContext trace;

  // "" when the route has no such parameter.
  std::string_view path_param(std::string_view name) const;
  // The first occurrence of `name` in the query, percent-decoded ('+' is a space).
  std::optional<std::string> query_param(std::string_view name) const;
  // Every query parameter in order, percent-decoded. Malformed escapes are kept as is.
  std::vector<std::pair<std::string, std::string>> query_params() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Set by Response::stream: the body comes from here instead of `body`.
  std::shared_ptr<BodySource> body_source;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body,
                       std::string_view content_type = "text/plain; charset=utf-8");
  static Response no_content();
  // A body written as it is read: files, large exports; chunked when the source does not
  // know its size.
  static Response stream(int status, std::shared_ptr<BodySource> source,
                         std::string_view content_type);
  // RFC 9457 problem+json for `error`; the instance is the request's path.
  static Response problem(const core::Error& error, const Request& request);
  // For transport-level statuses that have no ErrorCode (405, 408, 414, 431, ...).
  static Response problem(int status, std::string_view detail, std::string_view instance);
  // The answer to a failed BodyReader::read: a client too slow with its body gets 408
  // (kDeadlineExceeded from a body read is the client's delay, not a dependency's);
  // anything else as problem(error). One that went away reads nothing: the answer then
  // only serves the access log.
  static Response body_read_failure(const core::Error& error, const Request& request);

  Response&& with_header(std::string_view name, std::string_view value) &&;
  Response& with_header(std::string_view name, std::string_view value) &;
};

}  // namespace platform::http
