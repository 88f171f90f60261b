#include "dispatch.h"

#include <chrono>
#include <exception>
#include <string>

#include "access_log.h"

namespace platform::http::detail {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// Runs `produce`, turning an exception into the description of what was thrown.
template <typename Produce>
bool run_guarded(Produce&& produce, std::string& what) {
  try {
    produce();
    return true;
  } catch (const std::exception& error) {
    what = error.what();
  } catch (...) {
    what = "unknown exception";
  }
  return false;
}

}  // namespace

Response Dispatcher::failure(const Request& request, std::string_view what) const {
  logger_.error(
      request.trace.log_context(), "handler threw an exception",
      {{"route", request.route.empty() ? kUnmatchedRoute : request.route}, {"error", what}});
  return Response::problem(core::Error::internal(std::string(what)), request);
}

std::optional<Response> Dispatcher::before(Request& request, std::size_t& layers_run) const {
  std::optional<Response> early;
  std::string what;
  if (!run_guarded([&] { early = router_.run_on_request(request, layers_run); }, what)) {
    early = failure(request, what);
  }
  return early;
}

void Dispatcher::after(const Request& request, Response& response, std::size_t layers_run) const {
  std::string what;
  if (!run_guarded([&] { router_.run_on_response(request, response, layers_run); }, what)) {
    response = failure(request, what);
  }
}

std::optional<Response> Dispatcher::try_from_memory(const Route& route, Request& request,
                                                    std::size_t& layers_run) const {
  std::optional<Response> response = before(request, layers_run);
  if (!response && !deadline_passed(request)) {
    std::string what;
    if (!run_guarded([&] { response = route.from_memory(request); }, what)) {
      response = failure(request, what);
    }
  }
  if (response) after(request, *response, layers_run);
  return response;
}

Response Dispatcher::finish(const Route& route, Request& request, std::size_t layers_run) const {
  Response response = run_handler(route, request);
  after(request, response, layers_run);
  return response;
}

bool Dispatcher::deadline_passed(const Request& request) {
  return request.deadline && std::chrono::steady_clock::now() >= *request.deadline;
}

Response Dispatcher::run_handler(const Route& route, Request& request) const {
  if (deadline_passed(request)) {
    // The caller has given up already (its X-Request-Timeout-Ms ran out while the request
    // waited for a worker): working for it would only add load.
    return Response::problem(
        core::Error(core::ErrorCode::kDeadlineExceeded,
                    "the caller's deadline passed before the request was served"),
        request);
  }
  std::optional<Response> response;
  std::string what;
  if (!run_guarded([&] { response = route.handler(request); }, what)) {
    return failure(request, what);
  }
  return std::move(*response);
}

Response Dispatcher::respond(const Router::Match& match, Request& request) const {
  std::size_t layers_run = 0;
  std::optional<Response> response = before(request, layers_run);
  if (!response) {
    if (match.kind == Router::Match::Kind::kNotFound) {
      response = Response::problem(404, "no route matches this path", request.path);
    } else if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
      response = Response::problem(405, "the method " + request.method + " is not allowed here",
                                   request.path);
      response->headers.set("Allow", join(match.allowed, ", "));
    } else {
      response = run_handler(*match.route, request);
    }
  }
  after(request, *response, layers_run);
  return std::move(*response);
}

}  // namespace platform::http::detail
