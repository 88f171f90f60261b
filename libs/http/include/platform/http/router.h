// Routes: method + path template -> handler. A template's `{name}` segment matches one
// non-empty path segment and is passed as a path parameter, percent-decoded (matching
// splits the raw path first, so an encoded "%2F" stays inside its segment). A last
// segment `{name...}` matches the rest of the path, zero or more segments, and is passed
// exactly as received, still encoded: what a proxy forwards.
//
//   Router router;
//   router.get("/subjects/{id}", get_subject)
//         .post("/subjects", create_subject)
//         .get("/health/live", live, Execution::kInline)
//         .add("GET", "/api/v1/subjects/{rest...}", forward);
//
// Middleware runs around every route: synchronous, streamed and deferred ones, and
// requests that match none (404, 405): authentication and rate limits live there.
//
//   router.use({.on_request = [](Request& request) -> std::optional<Response> {
//                 if (!authorised(request)) return Response::problem(401, "...", request.path);
//                 return std::nullopt;                      // go on to the handler
//               },
//               .on_response = [](const Request&, Response& response) {
//                 response.headers.set("RateLimit-Remaining", "41");
//               }});
//
// A path that matches no template -> 404; a path that matches with another method ->
// 405 with `Allow`. HEAD is answered by the GET route without a body. Both answers
// are problem+json and are produced by the server.
//
// A deferred (asynchronous) route answers later without holding a thread, e.g. a long
// poll that answers as soon as a newer version exists:
//
//   router.add_async("GET", "/config/{key}", [&](Request& request, Responder respond) {
//     watchers.add(std::string(request.path_param("key")), std::move(respond));
//   });  // later, on any thread: respond(Response::json(200, body));
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/http/message.h"

namespace platform::http {

namespace detail {
// A route's template split into segments once (matching runs for every request).
enum class SegmentKind : unsigned char { kParameter = 1, kLiteral = 2 };  // the specificity
struct RoutePattern {
  std::vector<std::string> segments;  // the tail's too
  std::vector<SegmentKind> kinds;     // of the segments before a tail
  bool tail = false;                  // ends in {name...}
};
}  // namespace detail

using Handler = std::function<Response(Request&)>;
// A route's answer from memory, tried on the network thread before the handler is sent to
// a worker: it must never block (no database, no call; a short lock is fine). nullopt: not
// in memory, the handler answers.
using MemoryHandler = std::function<std::optional<Response>(Request&)>;

// One layer of the chain every request passes through. `on_request` runs before the
// handler, in the order the layers were added: it may change the request, or answer at
// once (the handler and later layers do not run). `on_response` runs on the answer, in
// the reverse order, for every layer whose on_request ran (the layer that answered early
// included). Both run on the thread that runs the route's handler (a worker, or the
// network thread for kInline routes); for a deferred route on_response runs on a network
// thread when the answer arrives: keep it cheap and non-blocking. An exception thrown by
// either becomes a 500, as a handler's does.
struct Middleware {
  std::function<std::optional<Response>(Request& request)> on_request;
  std::function<void(const Request& request, Response& response)> on_response;
};

// Answers a deferred request. Call it exactly once, from any thread, at any time; later
// calls are ignored. Safe to call after the client went away or the server stopped: the
// response is then dropped. Copies share one answer. When the last copy is destroyed
// without having been called (a bug in the handler), the server answers 500. Called on
// the network thread of a server with one (a proxy's upstream answer), it carries the
// answer on before it returns: the middleware's on_response runs and the write starts,
// so hold no lock across it that middleware takes.
using Responder = std::function<void(Response response)>;
// Returns at once and answers through `respond`, now or later. Runs on the worker pool
// unless the route says kInline. request.cancellation tells when the client went away.
// `request` is valid until the handler returns: copy what a later answer needs. An
// exception thrown before answering becomes a 500, as for a Handler. No deadline is
// imposed: the handler owns its timing (see ServerOptions::on_shutdown for stopping).
using AsyncHandler = std::function<void(Request& request, Responder respond)>;

enum class Execution {
  // Default: runs on the worker pool, never on the network thread, so blocking work
  // (database, files) cannot stall other connections.
  kWorkerPool,
  // Cheap and non-blocking (liveness, metrics): runs on the network thread.
  kInline,
};

// How a route receives its request body.
enum class RequestBody {
  // Default: read whole, up to ServerOptions::max_body_bytes, into Request::body.
  kBuffered,
  // Read by the handler through Request::body_reader, in pieces, with no size limit of
  // the server's own: the handler enforces its own (uploads).
  kStreamed,
};

// Either `handler` or, for a deferred route, `async_handler` is set.
struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  Execution execution = Execution::kWorkerPool;
  AsyncHandler async_handler;
  MemoryHandler from_memory;  // worker-pool routes only
  RequestBody body = RequestBody::kBuffered;
};

// A handler that calls `method` on a shared object: how a service's route table binds the
// members of its Routes class.
template <typename Object>
Handler member_handler(std::shared_ptr<Object> object, Response (Object::*method)(Request&)) {
  return [object = std::move(object), method](Request& request) {
    return ((*object).*method)(request);
  };
}
template <typename Object>
AsyncHandler member_handler(std::shared_ptr<Object> object,
                            void (Object::*method)(Request&, Responder)) {
  return [object = std::move(object), method](Request& request, Responder respond) {
    ((*object).*method)(request, std::move(respond));
  };
}

class Router {
 public:
  Router& add(std::string method, std::string pattern, Handler handler,
              Execution execution = Execution::kWorkerPool);
  Router& get(std::string pattern, Handler h, Execution e = Execution::kWorkerPool) {
    return add("GET", std::move(pattern), std::move(h), e);
  }
  Router& post(std::string pattern, Handler h, Execution e = Execution::kWorkerPool) {
    return add("POST", std::move(pattern), std::move(h), e);
  }
  Router& put(std::string pattern, Handler h, Execution e = Execution::kWorkerPool) {
    return add("PUT", std::move(pattern), std::move(h), e);
  }
  Router& patch(std::string pattern, Handler h, Execution e = Execution::kWorkerPool) {
    return add("PATCH", std::move(pattern), std::move(h), e);
  }
  Router& del(std::string pattern, Handler h, Execution e = Execution::kWorkerPool) {
    return add("DELETE", std::move(pattern), std::move(h), e);
  }
  // A route whose handler reads the body itself through Request::body_reader; always
  // runs on the worker pool, since reading blocks.
  Router& add_streamed(std::string method, std::string pattern, Handler handler);
  Router& post_streamed(std::string pattern, Handler h) {
    return add_streamed("POST", std::move(pattern), std::move(h));
  }
  Router& put_streamed(std::string pattern, Handler h) {
    return add_streamed("PUT", std::move(pattern), std::move(h));
  }
  // A worker-pool route that first tries to answer from memory on the network thread
  // (a read served from a cache skips the hand-over to a worker and back). Middleware runs
  // once, before either.
  Router& add_with_memory(std::string method, std::string pattern, MemoryHandler from_memory,
                          Handler handler);
  // A deferred route. Its handler (and the middleware before it) runs on the worker pool,
  // or with Execution::kInline on the network thread: then it must return without
  // blocking (start an asynchronous call and answer from its callback, as a proxy does).
  Router& add_async(std::string method, std::string pattern, AsyncHandler handler,
                    Execution execution = Execution::kWorkerPool);
  // Adds a layer to the chain around every request (see Middleware).
  Router& use(Middleware middleware);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;  // percent-decoded
    std::vector<std::string> allowed;                         // for kMethodNotAllowed
  };
  Match match(std::string_view method, std::string_view path) const;

  // The middleware's on_request layers in order; the first answer stops the chain.
  // `layers_run` tells how many layers' on_response must see the answer.
  std::optional<Response> run_on_request(Request& request, std::size_t& layers_run) const;
  // The on_response layers of the first `layers_run` layers, last first.
  void run_on_response(const Request& request, Response& response, std::size_t layers_run) const;

  const std::vector<Route>& routes() const { return routes_; }
  const std::vector<Middleware>& middleware() const { return middleware_; }

 private:
  // Throws std::invalid_argument for a malformed pattern or a duplicate route.
  void check_new_route(const std::string& method, const std::string& pattern) const;

  // Each route's template split into segments once, in routes_'s order.
  void remember_segments();  // for the route just added

  std::vector<Route> routes_;
  std::vector<detail::RoutePattern> patterns_;
  std::vector<Middleware> middleware_;
};

}  // namespace platform::http
