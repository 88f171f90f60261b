// Routes: method + path template -> handler. A template's `{name}` segment matches one
// non-empty path segment and is passed as a path parameter.
//
//   Router router;
//   router.get("/subjects/{id}", get_subject)
//         .post("/subjects", create_subject)
//         .get("/health/live", live, Execution::kInline);
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
#include <string>
#include <string_view>
#include <vector>

#include "platform/http/message.h"

namespace platform::http {

using Handler = std::function<Response(Request&)>;
// Wraps the handler (and the middleware after it): may change the request, answer
// early, or change the response.
using Middleware = std::function<Response(Request& request, const Handler& next)>;

// Answers a deferred request. Call it exactly once, from any thread, at any time; later
// calls are ignored. Safe to call after the client went away or the server stopped: the
// response is then dropped. Copies share one answer. When the last copy is destroyed
// without having been called (a bug in the handler), the server answers 500.
using Responder = std::function<void(Response response)>;
// Returns at once and answers through `respond`, now or later. Runs on the worker pool.
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
  // A deferred route; always runs on the worker pool.
  Router& add_async(std::string method, std::string pattern, AsyncHandler handler);
  // Middleware run in the order added, around every routed synchronous handler.
  // Deferred routes bypass middleware (a Middleware needs the response when `next`
  // returns): an async handler checks what it needs (authentication...) itself.
  Router& use(Middleware middleware);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;  // percent-decoded
    std::vector<std::string> allowed;                         // for kMethodNotAllowed
  };
  Match match(std::string_view method, std::string_view path) const;

  // `route`'s handler wrapped in every middleware. Throws std::logic_error for a
  // deferred route: the server calls its async_handler directly.
  Response dispatch(const Route& route, Request& request) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  // Throws std::invalid_argument for a malformed pattern or a duplicate route.
  void check_new_route(const std::string& method, const std::string& pattern) const;

  std::vector<Route> routes_;
  std::vector<Middleware> middleware_;
};

}  // namespace platform::http
