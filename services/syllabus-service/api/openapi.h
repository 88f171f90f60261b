// The syllabus-service's OpenAPI 3 document (api/openapi.json, compiled in by
// syl_add_openapi), served at GET /openapi.json.
#pragma once

#include <string>

namespace syllabus_service::api {

const std::string& openapi_document();

}  // namespace syllabus_service::api
