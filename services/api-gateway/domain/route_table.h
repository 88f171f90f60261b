// The gateway's routes as data: which public paths go to which upstream, who may call
// them, under which rate limit, timeouts and header changes. Pure: parsing the routes
// file is infrastructure's (route_file.h), forwarding is the proxy's.
//
//   auto table = RouteTable::build(config);          // checks every route, or says why not
//   const RouteMatch match = table->match("/api/v1/subjects/42");
//   if (!match.route) return not_found;
//   std::string target = match.upstream_path;        // "/subjects/42"
//   std::string_view role = required_role(*match.route, "DELETE");   // "admin"
//
// A route's prefix is a path of literal segments and `*` (exactly one segment); a path
// matches when it starts with the prefix segment by segment. The most specific match wins:
// more segments first, then literals over `*`. The prefix is replaced by `rewrite`, whose
// `*` take the matched segments in order.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/result.h"

namespace api_gateway::domain {

// Who may call a route.
enum class Access {
  kAuthenticated,  // a valid token, with the method's role
  kOptional,       // anonymous callers too; a token, when sent, must be valid
  kPublic,         // no token is asked for or read (health, signed downloads)
};

// Roles rank: admin includes editor, editor includes viewer.
inline constexpr std::string_view kViewer = "viewer";
inline constexpr std::string_view kEditor = "editor";
inline constexpr std::string_view kAdmin = "admin";

struct HeaderRules {
  std::vector<std::pair<std::string, std::string>> set;     // name, value (replaces)
  std::vector<std::string> remove;                          // names
  std::vector<std::pair<std::string, std::string>> rename;  // from, to
  bool empty() const { return set.empty() && remove.empty() && rename.empty(); }
};

struct RouteSpec {
  std::string name;                  // "subjects": metric label and log field
  std::string prefix;                // "/api/v1/subjects"
  std::string rewrite;               // "/subjects"
  std::vector<std::string> methods;  // allowed; empty: every method
  std::string upstream;              // a service name, resolved through discovery
  std::vector<std::string> urls;     // static base URLs instead of discovery
  Access access = Access::kAuthenticated;
  // Role per method, overriding the defaults (GET/HEAD/OPTIONS viewer, DELETE admin,
  // other writes editor); "" lets any authenticated caller in.
  std::map<std::string, std::string> roles;
  std::string rate_limit = "default";  // a policy name, or "none"
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds attempt_timeout{30'000};
  int max_attempts = 2;  // idempotent methods only
  // GET answers kept to serve when the upstream fails (stale-if-error), for this long.
  bool cacheable = false;
  std::chrono::seconds stale_if_error{300};
  HeaderRules request_headers;
  HeaderRules response_headers;
};

struct RateLimitPolicy {
  std::string name;
  double requests_per_second = 50;
  std::uint32_t burst = 100;
};

struct CorsPolicy {
  std::vector<std::string> origins;  // exact origins, or "*"
  std::vector<std::string> allow_headers{"Authorization", "Content-Type", "If-Match",
                                         "If-None-Match", "X-Request-ID"};
  std::vector<std::string> expose_headers{
      "ETag", "Location", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID"};
  std::chrono::seconds max_age{600};
  bool allows(std::string_view origin) const;
};

struct GatewayConfig {
  std::vector<RouteSpec> routes;
  std::map<std::string, RateLimitPolicy> rate_limits;  // by name; "default" always exists
  CorsPolicy cors;
};

struct RouteMatch {
  const RouteSpec* route = nullptr;
  std::string upstream_path;  // the path with its prefix rewritten, still encoded
};

class RouteTable {
 public:
  // kInvalidArgument with one FieldError per problem ("routes[2].prefix": "...").
  static platform::core::Result<RouteTable> build(GatewayConfig config);

  RouteMatch match(std::string_view path) const;
  const GatewayConfig& config() const { return config_; }
  // The policy of `route`; nullopt for "none".
  std::optional<RateLimitPolicy> rate_limit(const RouteSpec& route) const;
  // Every upstream named by a route (for readiness and discovery).
  std::vector<std::string> upstreams() const;

 private:
  explicit RouteTable(GatewayConfig config);
  struct Compiled {
    std::vector<std::string> segments;  // of the prefix
    std::vector<std::string> rewrite;   // of the rewrite
    std::size_t literals = 0;
  };
  GatewayConfig config_;
  std::vector<Compiled> compiled_;  // one per route, same order
};

// The role `method` needs on `route` ("" when any authenticated caller may).
std::string_view required_role(const RouteSpec& route, std::string_view method);
// Whether `roles` grant `role` (admin > editor > viewer).
bool grants(const std::vector<std::string>& roles, std::string_view role);
bool method_allowed(const RouteSpec& route, std::string_view method);
// The upstream's Location mapped back to the public path ("/subjects/42" ->
// "/api/v1/subjects/42"); unchanged when it is not under the rewrite.
std::string public_location(const RouteSpec& route, std::string_view location);

}  // namespace api_gateway::domain
