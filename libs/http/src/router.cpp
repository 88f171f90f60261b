#include "platform/http/router.h"

#include <algorithm>
#include <stdexcept>

#include "percent.h"

namespace platform::http {

namespace {

// "/a/b" -> {"a", "b"}; "/" -> {}; "/a/" -> {"a", ""} so that a trailing slash never
// matches a template without one.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  if (path.empty()) return segments;
  for (;;) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// How specific a matching template is: one flag per segment, literal = 1. Templates that
// match the same path have as many segments, so comparing the flags lexicographically
// makes the first literal-versus-parameter difference decide.
using Specificity = std::vector<bool>;

bool matches(std::string_view pattern, const std::vector<std::string>& decoded,
             Specificity& specificity, std::vector<std::pair<std::string, std::string>>* params) {
  const auto segments = split_path(pattern);
  if (segments.size() != decoded.size()) return false;
  specificity.assign(segments.size(), false);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (is_parameter(segments[i])) {
      if (decoded[i].empty()) return false;
      if (params != nullptr) {
        params->emplace_back(std::string(segments[i].substr(1, segments[i].size() - 2)),
                             decoded[i]);
      }
    } else {
      if (segments[i] != decoded[i]) return false;
      specificity[i] = true;
    }
  }
  return true;
}

bool method_matches(std::string_view route_method, std::string_view method) {
  return route_method == method || (method == "HEAD" && route_method == "GET");
}

}  // namespace

// Route tables are code: a malformed one is a programming error caught at start-up.
void Router::check_new_route(const std::string& method, const std::string& pattern) const {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  for (const auto& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      throw std::invalid_argument("route " + method + " " + pattern + " is defined twice");
    }
  }
}

Router& Router::add(std::string method, std::string pattern, Handler handler, Execution execution) {
  check_new_route(method, pattern);
  if (!handler) throw std::invalid_argument("route " + method + " " + pattern + " has no handler");
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), execution});
  return *this;
}

Router& Router::add_streamed(std::string method, std::string pattern, Handler handler) {
  add(std::move(method), std::move(pattern), std::move(handler), Execution::kWorkerPool);
  routes_.back().body = RequestBody::kStreamed;
  return *this;
}

Router& Router::add_async(std::string method, std::string pattern, AsyncHandler handler) {
  check_new_route(method, pattern);
  if (!handler) throw std::invalid_argument("route " + method + " " + pattern + " has no handler");
  routes_.push_back(Route{.method = std::move(method),
                          .pattern = std::move(pattern),
                          .async_handler = std::move(handler)});
  return *this;
}

Router& Router::use(Middleware middleware) {
  middleware_.push_back(std::move(middleware));
  return *this;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  if (path.empty() || path.front() != '/') return {};
  std::vector<std::string> decoded;
  for (const auto segment : split_path(path))
    decoded.push_back(detail::percent_decode(segment, /*plus_as_space=*/false));

  // An explicit HEAD route wins over answering HEAD with the GET route.
  const Route* best = nullptr;
  bool best_exact_method = false;
  Specificity best_specificity;
  Specificity specificity;
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    if (!matches(route.pattern, decoded, specificity, nullptr)) continue;
    allowed.push_back(route.method);
    if (route.method == "GET") allowed.emplace_back("HEAD");
    if (!method_matches(route.method, method)) continue;
    const bool exact_method = route.method == method;
    if (best == nullptr || specificity > best_specificity ||
        (specificity == best_specificity && exact_method && !best_exact_method)) {
      best = &route;
      best_specificity = specificity;
      best_exact_method = exact_method;
    }
  }

  Match result;
  if (best != nullptr) {
    result.kind = Match::Kind::kFound;
    result.route = best;
    matches(best->pattern, decoded, specificity, &result.params);
  } else if (!allowed.empty()) {
    result.kind = Match::Kind::kMethodNotAllowed;
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    result.allowed = std::move(allowed);
  }
  return result;
}

Response Router::dispatch(const Route& route, Request& request) const {
  if (!route.handler) {
    throw std::logic_error("route " + route.method + " " + route.pattern +
                           " is deferred: call its async_handler");
  }
  // Middleware[0] is outermost: each layer gets a `next` that runs the layers after it.
  std::function<Response(std::size_t, Request&)> run_from = [&](std::size_t index,
                                                                Request& req) -> Response {
    if (index == middleware_.size()) return route.handler(req);
    const Handler next = [&, index](Request& inner) { return run_from(index + 1, inner); };
    return middleware_[index](req, next);
  };
  return run_from(0, request);
}

}  // namespace platform::http
