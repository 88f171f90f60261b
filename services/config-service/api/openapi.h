// The config-service's OpenAPI 3 document (api/openapi.json, compiled in) and its route.
#pragma once

#include <string>

#include "platform/http/router.h"

namespace config_service::api {

const std::string& openapi_document();

// GET /openapi.json
void add_openapi_route(platform::http::Router& router);

}  // namespace config_service::api
