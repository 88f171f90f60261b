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
  // Behind the gateway (the service has its identity keys), a caller it did not vouch
  // for is the public: it sees published syllabi of visibility "public" and nothing
  // else. Without the keys (development, tests of the service alone) every caller sees
  // everything.
  bool anonymous_sees_public_only = false;
};

void add_routes(platform::http::Router& router, SyllabusHandlers handlers);

}  // namespace syllabus_service::api
