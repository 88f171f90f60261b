// The syllabus-service's bulk import from the legacy system (docs/migration.md): a batch
// of lines {"legacy_id", "status", "created_by", "created_at", "updated_at", "syllabus":
// {...}}, the syllabus as POST /syllabi takes it (its subject and attachments already the
// platform's ids); served at POST /admin/imports/syllabi by
// platform::service::add_import_routes.
#pragma once

#include <vector>

#include "application/import_syllabi.h"
#include "platform/core/legacy_import.h"
#include "platform/core/result.h"
#include "platform/http/message.h"

namespace syllabus_service::api {

platform::core::Result<std::vector<platform::core::ImportResult>> import_syllabi(
    platform::http::Request& request, application::ImportSyllabiHandler& handler);

}  // namespace syllabus_service::api
