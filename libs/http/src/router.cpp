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

// `{name...}`: the rest of the path.
bool is_tail(std::string_view segment) {
  return is_parameter(segment) && segment.size() > 5 &&
         segment.substr(segment.size() - 4) == "...}";
}

std::string_view parameter_name(std::string_view segment) {
  segment = segment.substr(1, segment.size() - 2);
  if (segment.size() > 3 && segment.substr(segment.size() - 3) == "...") segment.remove_suffix(3);
  return segment;
}

// The path split both ways: raw segments (for a tail, which is passed on encoded) and
// percent-decoded ones (for matching literals and plain parameters).
struct SplitPath {
  std::string_view raw_path;
  std::vector<std::string_view> raw;
  std::vector<std::string> decoded;
};

// How specific a matching template is, one value per path segment: a literal 2, a
// parameter 1, a tail 0. Every matching template yields one value per segment of the
// same path, so comparing lexicographically makes the first difference decide.
using Specificity = std::vector<int>;

bool matches(const std::vector<std::string>& segments, const SplitPath& path,
             Specificity& specificity, std::vector<std::pair<std::string, std::string>>* params) {
  const bool tail = !segments.empty() && is_tail(segments.back());
  const std::size_t fixed = tail ? segments.size() - 1 : segments.size();
  if (tail ? path.decoded.size() < fixed : path.decoded.size() != fixed) return false;
  specificity.assign(path.decoded.size(), 0);
  for (std::size_t i = 0; i < fixed; ++i) {
    if (is_parameter(segments[i])) {
      if (path.decoded[i].empty()) return false;
      specificity[i] = 1;
      if (params != nullptr) {
        params->emplace_back(std::string(parameter_name(segments[i])), path.decoded[i]);
      }
    } else {
      if (segments[i] != path.decoded[i]) return false;
      specificity[i] = 2;
    }
  }
  if (tail && params != nullptr) {
    // The raw text from the '/' that ends the fixed segments: "/42/files", or "".
    std::size_t offset = 0;
    for (std::size_t i = 0; i < fixed; ++i) offset += 1 + path.raw[i].size();
    params->emplace_back(std::string(parameter_name(segments.back())),
                         std::string(path.raw_path.substr(std::min(offset, path.raw_path.size()))));
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
  const auto segments = split_path(pattern);
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    if (is_tail(segments[i])) {
      throw std::invalid_argument("a {name...} segment must come last: " + pattern);
    }
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
  remember_segments();
  return *this;
}

Router& Router::add_streamed(std::string method, std::string pattern, Handler handler) {
  add(std::move(method), std::move(pattern), std::move(handler), Execution::kWorkerPool);
  routes_.back().body = RequestBody::kStreamed;
  return *this;
}

Router& Router::add_with_memory(std::string method, std::string pattern, MemoryHandler from_memory,
                                Handler handler) {
  if (!from_memory) {
    throw std::invalid_argument("route " + method + " " + pattern + " has no memory handler");
  }
  add(std::move(method), std::move(pattern), std::move(handler), Execution::kWorkerPool);
  routes_.back().from_memory = std::move(from_memory);
  return *this;
}

Router& Router::add_async(std::string method, std::string pattern, AsyncHandler handler,
                          Execution execution) {
  check_new_route(method, pattern);
  if (!handler) throw std::invalid_argument("route " + method + " " + pattern + " has no handler");
  routes_.push_back(Route{.method = std::move(method),
                          .pattern = std::move(pattern),
                          .execution = execution,
                          .async_handler = std::move(handler)});
  remember_segments();
  return *this;
}

Router& Router::use(Middleware middleware) {
  middleware_.push_back(std::move(middleware));
  return *this;
}

void Router::remember_segments() {
  std::vector<std::string> segments;
  for (const auto segment : split_path(routes_.back().pattern)) segments.emplace_back(segment);
  segments_.push_back(std::move(segments));
}

const std::vector<std::string>& Router::pattern_segments(std::size_t index) const {
  return segments_[index];
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  if (path.empty() || path.front() != '/') return {};
  SplitPath split{.raw_path = path, .raw = split_path(path), .decoded = {}};
  split.decoded.reserve(split.raw.size());
  for (const auto segment : split.raw)
    split.decoded.push_back(detail::percent_decode(segment, /*plus_as_space=*/false));

  // An explicit HEAD route wins over answering HEAD with the GET route.
  const Route* best = nullptr;
  bool best_exact_method = false;
  Specificity best_specificity;
  Specificity specificity;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    if (!method_matches(route.method, method)) continue;
    if (!matches(pattern_segments(i), split, specificity, nullptr)) continue;
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
    matches(pattern_segments(static_cast<std::size_t>(best - routes_.data())), split, specificity,
            &result.params);
    return result;
  }
  // No route for the method: the methods the path has routes for, if any (a 405's Allow).
  std::vector<std::string> allowed;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!matches(pattern_segments(i), split, specificity, nullptr)) continue;
    allowed.push_back(routes_[i].method);
    if (routes_[i].method == "GET") allowed.emplace_back("HEAD");
  }
  if (!allowed.empty()) {
    result.kind = Match::Kind::kMethodNotAllowed;
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    result.allowed = std::move(allowed);
  }
  return result;
}

std::optional<Response> Router::run_on_request(Request& request, std::size_t& layers_run) const {
  layers_run = 0;
  for (const Middleware& layer : middleware_) {
    ++layers_run;
    if (!layer.on_request) continue;
    if (auto answer = layer.on_request(request)) return answer;
  }
  return std::nullopt;
}

void Router::run_on_response(const Request& request, Response& response,
                             std::size_t layers_run) const {
  for (std::size_t i = std::min(layers_run, middleware_.size()); i > 0; --i) {
    const Middleware& layer = middleware_[i - 1];
    if (layer.on_response) layer.on_response(request, response);
  }
}

}  // namespace platform::http
