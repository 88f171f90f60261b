// The subject-service's HTTP API: its route table and one thin handler per route.
// A handler parses the request, calls one command or query, and maps the result.
#pragma once

#include <string>

#include "application/commands.h"
#include "application/queries.h"
#include "platform/http/router.h"

namespace subject_service::api {

struct SubjectHandlers {
  application::CreateSubjectHandler& create;
  application::UpdateSubjectHandler& update;
  application::DeleteSubjectHandler& remove;
  application::GetSubjectHandler& get;
  application::ListSubjectsHandler& list;
};

// Adds the subject routes and GET /openapi.json to `router`.
void add_routes(platform::http::Router& router, SubjectHandlers handlers);

// The service's OpenAPI 3 document (api/openapi.json, compiled in).
const std::string& openapi_document();

}  // namespace subject_service::api
