// The subject-service's bulk import from the legacy system (docs/migration.md): a batch
// of lines {"legacy_id", "created_at", "updated_at", "subject": {code, name, ...}}, the
// subject as POST /subjects takes it; served at POST /admin/imports/subjects by
// platform::service::add_import_routes.
#pragma once

#include <vector>

#include "application/import_subjects.h"
#include "platform/core/legacy_import.h"
#include "platform/core/result.h"
#include "platform/http/message.h"

namespace subject_service::api {

platform::core::Result<std::vector<platform::core::ImportResult>> import_subjects(
    platform::http::Request& request, application::ImportSubjectsHandler& handler);

}  // namespace subject_service::api
