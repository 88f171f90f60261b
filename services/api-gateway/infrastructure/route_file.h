// The routes document (YAML, or JSON which YAML reads too): the built-in default, a file
// named by SYL_GATEWAY_ROUTES_FILE, or the config-service's `gateway.routes` setting.
//
//   auto config = parse_routes(text, {.default_rps = 50, .default_burst = 100});
//   if (!config) log(config.error());                   // every problem, with its path
//   auto table = domain::RouteTable::build(std::move(*config));
//
//   rate_limits:
//     default: {rps: 50, burst: 100}        # else from the settings
//   cors: {origins: ["http://localhost:3000"], max_age_seconds: 600}
//   routes:
//     - name: subjects
//       prefix: /api/v1/subjects            # '*' matches one segment
//       rewrite: /subjects                  # replaces the prefix
//       upstream: subject-service           # or urls: [http://127.0.0.1:8101]
//       methods: [GET, POST, PATCH, DELETE] # default: all
//       auth: required                      # required | optional | public
//                                           # optional: anonymous callers may read, and
//                                           # use methods whose role is ""
//       roles: {DELETE: admin}              # per method; defaults viewer/editor/admin
//       rate_limit: default                 # a policy, or none
//       timeout_ms: 30000
//       attempt_timeout_ms: 30000
//       max_attempts: 2                     # idempotent methods only
//       cacheable: true                     # stale-if-error for GET
//       stale_if_error_seconds: 300
//       request_headers: {set: {X-A: b}, remove: [X-B], rename: {X-C: X-D}}
//       response_headers: {...}
// Unknown keys are errors, as in every settings file of the platform.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/route_table.h"
#include "platform/core/result.h"

namespace api_gateway::infrastructure {

struct RouteDefaults {
  double default_rps = 50;
  std::uint32_t default_burst = 100;
};

platform::core::Result<domain::GatewayConfig> parse_routes(std::string_view text,
                                                           const RouteDefaults& defaults);
// parse_routes then RouteTable::build.
platform::core::Result<domain::RouteTable> load_routes(std::string_view text,
                                                       const RouteDefaults& defaults);

// The platform's routes, compiled in (services/api-gateway/routes.yaml).
const std::string& default_routes();

}  // namespace api_gateway::infrastructure
