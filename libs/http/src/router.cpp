#include "platform/http/router.h"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <stdexcept>

#include "percent.h"

namespace platform::http {

namespace {

using detail::RoutePattern;
using detail::SegmentKind;

// A path's segments, held inline up to a length no route of ours exceeds: a path is split
// for every request, and a growing vector cost three allocations for four segments.
using Segments = boost::container::small_vector<std::string_view, 12>;

// "/a/b" -> {"a", "b"}; "/" -> {}; "/a/" -> {"a", ""} so that a trailing slash never
// matches a template without one.
Segments split_path(std::string_view path) {
  Segments segments;
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

// The request path split both ways: raw segments (for a tail, which is passed on
// encoded) and percent-decoded ones (for matching literals and plain parameters). Without
// a '%' in the path the two are the same list. With one, a decoded segment lives in
// `decoded_text`, whose room is reserved for the whole path first (decoding never
// lengthens), so the views into it stay valid (and the struct is neither copied nor moved).
struct SplitPath {
  explicit SplitPath(std::string_view path)
      : raw_path(path), raw(split_path(path)), escaped(path.find('%') != std::string_view::npos) {
    if (!escaped) return;
    decoded_text.reserve(path.size());
    for (const auto segment : raw) {
      if (segment.find('%') == std::string_view::npos) {
        decoded_segments.push_back(segment);
        continue;
      }
      const std::size_t at = decoded_text.size();
      decoded_text += detail::percent_decode(segment, /*plus_as_space=*/false);
      decoded_segments.push_back(std::string_view(decoded_text).substr(at));
    }
  }
  SplitPath(const SplitPath&) = delete;
  SplitPath& operator=(const SplitPath&) = delete;

  const Segments& decoded() const { return escaped ? decoded_segments : raw; }

  std::string_view raw_path;
  Segments raw;
  bool escaped = false;
  Segments decoded_segments;  // only when escaped
  std::string decoded_text;
};

bool matches(const RoutePattern& pattern, const SplitPath& path,
             std::vector<std::pair<std::string, std::string>>* params) {
  const std::size_t fixed = pattern.segments.size() - (pattern.tail ? 1 : 0);
  const Segments& decoded = path.decoded();
  if (pattern.tail ? decoded.size() < fixed : decoded.size() != fixed) return false;
  for (std::size_t i = 0; i < fixed; ++i) {
    if (pattern.kinds[i] == SegmentKind::kParameter) {
      if (decoded[i].empty()) return false;
      if (params != nullptr) {
        params->emplace_back(std::string(parameter_name(pattern.segments[i])), decoded[i]);
      }
    } else if (pattern.segments[i] != decoded[i]) {
      return false;
    }
  }
  if (pattern.tail && params != nullptr) {
    // The raw text from the '/' that ends the fixed segments: "/42/files", or "".
    std::size_t offset = 0;
    for (std::size_t i = 0; i < fixed; ++i) offset += 1 + path.raw[i].size();
    params->emplace_back(std::string(parameter_name(pattern.segments.back())),
                         std::string(path.raw_path.substr(std::min(offset, path.raw_path.size()))));
  }
  return true;
}

// How specific two templates that both match a path of `length` segments are, compared:
// one value per path segment, a literal 2, a parameter 1, a tail (and what it covers) 0,
// compared lexicographically, so that the first difference decides. <0, 0 or >0.
int compare_specificity(const RoutePattern& a, const RoutePattern& b, std::size_t length) {
  const auto value = [](const RoutePattern& pattern, std::size_t i) {
    return i < pattern.kinds.size() ? static_cast<int>(pattern.kinds[i]) : 0;
  };
  for (std::size_t i = 0; i < length; ++i) {
    if (const int difference = value(a, i) - value(b, i); difference != 0) return difference;
  }
  return 0;
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
  RoutePattern pattern;
  for (const auto segment : split_path(routes_.back().pattern)) {
    if (is_tail(segment)) {
      pattern.tail = true;  // the last one (check_new_route): no kind, it matches any rest
    } else {
      pattern.kinds.push_back(is_parameter(segment) ? SegmentKind::kParameter
                                                    : SegmentKind::kLiteral);
    }
    pattern.segments.emplace_back(segment);
  }
  patterns_.push_back(std::move(pattern));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  if (path.empty() || path.front() != '/') return {};
  const SplitPath split(path);

  // An explicit HEAD route wins over answering HEAD with the GET route.
  std::size_t best = routes_.size();
  bool best_exact_method = false;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    if (!method_matches(route.method, method)) continue;
    if (!matches(patterns_[i], split, nullptr)) continue;
    const bool exact_method = route.method == method;
    const int specificity =
        best == routes_.size()
            ? 1
            : compare_specificity(patterns_[i], patterns_[best], split.decoded().size());
    if (specificity > 0 || (specificity == 0 && exact_method && !best_exact_method)) {
      best = i;
      best_exact_method = exact_method;
    }
  }

  Match result;
  if (best != routes_.size()) {
    result.kind = Match::Kind::kFound;
    result.route = &routes_[best];
    matches(patterns_[best], split, &result.params);
    return result;
  }
  // No route for the method: the methods the path has routes for, if any (a 405's Allow).
  std::vector<std::string> allowed;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!matches(patterns_[i], split, nullptr)) continue;
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
