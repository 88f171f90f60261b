// The subject-service's HTTP API: its route table and one thin handler per route.
// A handler parses the request, calls one command or query, and maps the result.
#pragma once

#include <string>

#include "application/create_subject.h"
#include "application/delete_subject.h"
#include "application/get_subject.h"
#include "application/list_subjects.h"
#include "application/update_subject.h"
#include "platform/http/router.h"

namespace subject_service::api {

struct SubjectHandlers {
  application::CreateSubjectHandler& create;
  application::UpdateSubjectHandler& update;
  application::DeleteSubjectHandler& remove;
  application::GetSubjectHandler& get;
  application::ListSubjectsHandler& list;
};

// Adds the subject routes to `router`.
void add_routes(platform::http::Router& router, SubjectHandlers handlers);

}  // namespace subject_service::api
