// The platform's API documentation at the front door:
//   GET /openapi.json  every upstream's document merged under its public prefix, with
//                      the bearer security scheme; an upstream that does not answer is
//                      left out (and named in x-unavailable);
//   GET /docs          Swagger UI over it (swagger-ui-dist, from gateway.docs_dir).
#pragma once

#include <string>

#include "api/proxy.h"
#include "infrastructure/upstreams.h"
#include "platform/http/router.h"
#include "platform/logging/logger.h"

namespace api_gateway::api {

// Merges one upstream's OpenAPI document into `merged` (an OpenAPI 3 object as JSON
// text): each path under `rewrite` is renamed to start with `prefix`.
std::string merge_openapi(const std::string& merged, const std::string& document,
                          const std::string& rewrite, const std::string& prefix);

void add_docs_routes(platform::http::Router& router, const RouteSource& routes,
                     infrastructure::Upstreams& upstreams, const std::string& docs_dir,
                     platform::logging::Logger& logger);

}  // namespace api_gateway::api
