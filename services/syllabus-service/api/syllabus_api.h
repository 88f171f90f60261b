// The syllabus-service's routes (docs in api/openapi.json): a handler parses, calls one
// command or query, and maps the result.
#pragma once

#include <functional>
#include <string>

#include "application/expand.h"
#include "application/syllabus_commands.h"
#include "application/syllabus_queries.h"
#include "platform/http/router.h"

namespace syllabus_service::api {

struct SyllabusHandlers {
  application::SyllabusCommands& commands;
  application::SyllabusQueries& queries;
  application::ReferenceExpander& expander;
  // GET /admin/read-model: the read model's counts and progress per stream, as JSON.
  std::function<platform::core::Result<std::string>()> read_model_status;
};

void add_routes(platform::http::Router& router, SyllabusHandlers handlers);

}  // namespace syllabus_service::api
