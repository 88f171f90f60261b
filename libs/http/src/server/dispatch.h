// The pure request -> response path, as in Beast's examples: given a routed request,
// produce its response through the middleware and the handler. No socket, no thread:
// the connection loop decides where this runs (a worker, or the network thread for an
// inline route) and writes what it returns.
#pragma once

#include <cstddef>
#include <optional>

#include "platform/http/router.h"
#include "platform/logging/logger.h"

namespace platform::http::detail {

class Dispatcher {
 public:
  Dispatcher(const Router& router, logging::Logger& logger) : router_(router), logger_(logger) {}

  // A request that matched a synchronous route, or none (404, or 405 with Allow): through
  // every middleware layer and the handler. An exception thrown by any of them becomes a
  // 500 (logged with the route), which the layers' on_response still see.
  Response respond(const Router::Match& match, Request& request) const;

  // The two halves, for a deferred route whose handler answers later: before() may
  // answer at once (then the handler is not called); after() runs on the answer.
  std::optional<Response> before(Request& request, std::size_t& layers_run) const;
  void after(const Request& request, Response& response, std::size_t layers_run) const;

  // A route with a memory handler, in two steps. On the network thread: the middleware's
  // on_request, then the memory handler; an answer from either (after on_response) is the
  // answer. Otherwise nullopt, and `layers_run` says how far the middleware went: the
  // handler then runs on a worker through finish().
  std::optional<Response> try_from_memory(const Route& route, Request& request,
                                          std::size_t& layers_run) const;
  Response finish(const Route& route, Request& request, std::size_t layers_run) const;

  // The 500 for an exception, logged.
  Response failure(const Request& request, std::string_view what) const;

 private:
  // The route's handler, or 504 when the caller's deadline has passed already.
  Response run_handler(const Route& route, Request& request) const;
  static bool deadline_passed(const Request& request);

  const Router& router_;
  logging::Logger& logger_;
};

}  // namespace platform::http::detail
