#include "domain/route_table.h"

#include <algorithm>
#include <set>

#include "platform/core/strings.h"

namespace api_gateway::domain {

namespace {

using platform::core::Error;
using platform::core::FieldError;

// "/a/b" -> {"a", "b"}; "/" -> {}. Views into `path`.
std::vector<std::string_view> segment_views(std::string_view path) {
  std::vector<std::string_view> out;
  out.reserve(8);
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    const auto end = path.find('/', start);
    out.emplace_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end;
  }
  return out;
}

std::vector<std::string> segments_of(std::string_view path) {
  const auto views = segment_views(path);
  return {views.begin(), views.end()};
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

bool is_path(std::string_view text) {
  if (text.empty() || text.front() != '/') return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    return c == '?' || c == '#' || c == ' ' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

int rank(std::string_view role) {
  if (role == kAdmin) return 3;
  if (role == kEditor) return 2;
  if (role == kViewer) return 1;
  return 0;
}

void check_headers(const HeaderRules& rules, const std::string& where,
                   std::vector<FieldError>& errors) {
  for (const auto& [name, value] : rules.set) {
    if (!is_token(name))
      errors.push_back({where + ".set", "\"" + name + "\" is not a header name"});
    if (value.find_first_of("\r\n") != std::string::npos)
      errors.push_back({where + ".set", "a header value must be one line"});
  }
  for (const auto& name : rules.remove)
    if (!is_token(name))
      errors.push_back({where + ".remove", "\"" + name + "\" is not a header name"});
  for (const auto& [from, to] : rules.rename)
    if (!is_token(from) || !is_token(to))
      errors.push_back(
          {where + ".rename", "\"" + from + "\" -> \"" + to + "\" is not a header name"});
}

}  // namespace

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(origins.begin(), origins.end(), [&](const std::string& allowed) {
    return allowed == "*" || allowed == origin;
  });
}

RouteTable::RouteTable(GatewayConfig config) : config_(std::move(config)) {
  for (const auto& route : config_.routes) {
    Compiled compiled{segments_of(route.prefix), segments_of(route.rewrite), 0};
    compiled.literals = static_cast<std::size_t>(
        std::count_if(compiled.segments.begin(), compiled.segments.end(),
                      [](const std::string& segment) { return segment != "*"; }));
    compiled_.push_back(std::move(compiled));
  }
}

platform::core::Result<RouteTable> RouteTable::build(GatewayConfig config) {
  std::vector<FieldError> errors;
  if (!config.rate_limits.contains("default"))
    config.rate_limits["default"] = RateLimitPolicy{.name = "default"};
  for (auto& [name, policy] : config.rate_limits) {
    policy.name = name;
    if (!is_token(name)) errors.push_back({"rate_limits." + name, "is not a valid policy name"});
    if (!(policy.requests_per_second > 0) || policy.requests_per_second > 1e6)
      errors.push_back({"rate_limits." + name + ".rps", "must be above 0 and at most 1000000"});
    if (policy.burst < 1 || policy.burst > 1'000'000)
      errors.push_back({"rate_limits." + name + ".burst", "must be between 1 and 1000000"});
  }
  std::set<std::string> names;
  std::set<std::string> prefixes;
  static const std::set<std::string, std::less<>> kMethods{"GET",   "HEAD",   "POST",   "PUT",
                                                           "PATCH", "DELETE", "OPTIONS"};
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    RouteSpec& route = config.routes[i];
    const std::string where = "routes[" + std::to_string(i) + "]";
    if (!is_token(route.name))
      errors.push_back({where + ".name", "must be a name (letters, digits, - and _)"});
    if (!names.insert(route.name).second)
      errors.push_back({where + ".name", "\"" + route.name + "\" names two routes"});
    if (!is_path(route.prefix)) {
      errors.push_back({where + ".prefix", "must be a path starting with '/'"});
    } else if (!prefixes.insert(route.prefix).second) {
      errors.push_back({where + ".prefix", route.prefix + " is the prefix of two routes"});
    }
    if (route.rewrite.empty()) route.rewrite = route.prefix;
    if (!is_path(route.rewrite))
      errors.push_back({where + ".rewrite", "must be a path starting with '/'"});
    const auto stars = [](std::string_view path) {
      const auto segments = segments_of(path);
      return std::count(segments.begin(), segments.end(), std::string("*"));
    };
    if (stars(route.rewrite) > stars(route.prefix))
      errors.push_back({where + ".rewrite", "has more '*' segments than the prefix"});
    for (auto& method : route.methods) {
      method = platform::core::ascii_upper(method);
      if (!kMethods.contains(method))
        errors.push_back(
            {where + ".methods", "\"" + method + "\" is not a method the gateway forwards"});
    }
    std::map<std::string, std::string> roles;
    for (auto& [method, role] : route.roles) {
      const std::string upper = platform::core::ascii_upper(method);
      if (!kMethods.contains(upper))
        errors.push_back({where + ".roles", "\"" + method + "\" is not a method"});
      if (!role.empty() && rank(role) == 0)
        errors.push_back(
            {where + ".roles." + method, "\"" + role + "\" is not viewer, editor or admin"});
      roles[upper] = role;
    }
    route.roles = std::move(roles);
    if (route.upstream.empty() == route.urls.empty())
      errors.push_back({where, "needs either an upstream service name or urls, not both"});
    for (auto& url : route.urls) {
      if (!(url.starts_with("http://") || url.starts_with("https://")))
        errors.push_back({where + ".urls", "\"" + url + "\" is not an http(s) URL"});
      while (url.ends_with('/')) url.pop_back();
    }
    if (route.rate_limit != "none" && !config.rate_limits.contains(route.rate_limit))
      errors.push_back(
          {where + ".rate_limit", "\"" + route.rate_limit + "\" is not a defined policy"});
    if (route.timeout.count() < 1 || route.timeout.count() > 3'600'000)
      errors.push_back({where + ".timeout_ms", "must be between 1 and 3600000"});
    if (route.attempt_timeout.count() < 1 || route.attempt_timeout > route.timeout)
      route.attempt_timeout = route.timeout;
    if (route.max_attempts < 1 || route.max_attempts > 5)
      errors.push_back({where + ".max_attempts", "must be between 1 and 5"});
    check_headers(route.request_headers, where + ".request_headers", errors);
    check_headers(route.response_headers, where + ".response_headers", errors);
  }
  for (const auto& origin : config.cors.origins)
    if (origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")))
      errors.push_back(
          {"cors.origins", "\"" + origin + "\" is not an origin (scheme://host[:port])"});
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  return RouteTable(std::move(config));
}

RouteMatch RouteTable::match(std::string_view path) const {
  const auto segments = segment_views(path);
  RouteMatch best;
  const Compiled* best_compiled = nullptr;
  for (std::size_t i = 0; i < compiled_.size(); ++i) {
    const Compiled& compiled = compiled_[i];
    if (compiled.segments.size() > segments.size()) continue;
    bool matched = true;
    for (std::size_t s = 0; s < compiled.segments.size() && matched; ++s)
      matched = compiled.segments[s] == "*" || compiled.segments[s] == segments[s];
    if (!matched) continue;
    if (best_compiled != nullptr && (compiled.segments.size() < best_compiled->segments.size() ||
                                     (compiled.segments.size() == best_compiled->segments.size() &&
                                      compiled.literals <= best_compiled->literals)))
      continue;
    best.route = &config_.routes[i];
    best_compiled = &compiled;
  }
  if (best.route == nullptr) return best;
  // The rewrite, its '*' filled with the matched segments in order, then the rest of the
  // path as it came (with its trailing slash, if any).
  std::vector<std::string_view> wildcards;
  for (std::size_t s = 0; s < best_compiled->segments.size(); ++s)
    if (best_compiled->segments[s] == "*") wildcards.push_back(segments[s]);
  std::string out;
  std::size_t next = 0;
  for (const auto& segment : best_compiled->rewrite) {
    out += '/';
    out += segment == "*" && next < wildcards.size() ? wildcards[next++] : segment;
  }
  for (std::size_t s = best_compiled->segments.size(); s < segments.size(); ++s) {
    out += '/';
    out += segments[s];
  }
  if (path.size() > 1 && path.back() == '/' && segments.size() > best_compiled->segments.size())
    out += '/';
  if (out.empty()) out = "/";
  best.upstream_path = std::move(out);
  return best;
}

std::optional<RateLimitPolicy> RouteTable::rate_limit(const RouteSpec& route) const {
  if (route.rate_limit == "none") return std::nullopt;
  const auto it = config_.rate_limits.find(route.rate_limit);
  if (it == config_.rate_limits.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> RouteTable::upstreams() const {
  std::set<std::string> names;
  for (const auto& route : config_.routes)
    if (!route.upstream.empty()) names.insert(route.upstream);
  return {names.begin(), names.end()};
}

std::string_view required_role(const RouteSpec& route, std::string_view method) {
  if (const auto it = route.roles.find(std::string(method)); it != route.roles.end())
    return it->second;
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return kViewer;
  if (method == "DELETE") return kAdmin;
  return kEditor;
}

bool grants(const std::vector<std::string>& roles, std::string_view role) {
  if (role.empty()) return true;
  const int needed = rank(role);
  return std::any_of(roles.begin(), roles.end(),
                     [&](const std::string& held) { return rank(held) >= needed; });
}

bool method_allowed(const RouteSpec& route, std::string_view method) {
  if (route.methods.empty()) return true;
  return std::any_of(route.methods.begin(), route.methods.end(), [&](const std::string& allowed) {
    return allowed == method || (method == "HEAD" && allowed == "GET");
  });
}

std::string public_location(const RouteSpec& route, std::string_view location) {
  if (route.rewrite.find('*') != std::string::npos || route.prefix.find('*') != std::string::npos)
    return std::string(location);
  if (location == route.rewrite ||
      (location.starts_with(route.rewrite) &&
       (route.rewrite == "/" || location.size() == route.rewrite.size() ||
        location[route.rewrite.size()] == '/' || location[route.rewrite.size()] == '?'))) {
    std::string out = route.prefix;
    out += location.substr(route.rewrite == "/" ? 0 : route.rewrite.size());
    return out;
  }
  return std::string(location);
}

}  // namespace api_gateway::domain
