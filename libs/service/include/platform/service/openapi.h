// GET /openapi.json, the same for every service: answers the service's OpenAPI 3 document
// (its api/openapi.json, compiled in by syl_add_openapi).
//
//   platform::service::add_openapi_route(router, subject_service::api::openapi_document());
#pragma once

#include <string>

#include "platform/http/router.h"

namespace platform::service {

// `document` must outlive the router (openapi_document() returns a static).
void add_openapi_route(http::Router& router, const std::string& document);

}  // namespace platform::service
