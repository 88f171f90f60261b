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
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/http/message.h"

namespace platform::http {

using Handler = std::function<Response(Request&)>;
// Wraps the handler (and the middleware after it): may change the request, answer
// early, or change the response.
using Middleware = std::function<Response(Request& request, const Handler& next)>;

enum class Execution {
  // Default: runs on the worker pool, never on the network thread, so blocking work
  // (database, files) cannot stall other connections.
  kWorkerPool,
  // Cheap and non-blocking (liveness, metrics): runs on the network thread.
  kInline,
};

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  Execution execution = Execution::kWorkerPool;
};

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
  // Middleware run in the order added, around every routed handler.
  Router& use(Middleware middleware);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;  // percent-decoded
    std::vector<std::string> allowed;                         // for kMethodNotAllowed
  };
  Match match(std::string_view method, std::string_view path) const;

  // `route`'s handler wrapped in every middleware.
  Response dispatch(const Route& route, Request& request) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<Middleware> middleware_;
};

}  // namespace platform::http
