// The file-service's bulk import from the legacy system (docs/migration.md):
//   PUT /admin/imports/files/{legacy_id}?filename=&uploaded_by=&created_at=
// with the file's bytes as the body (any Content-Type: the type is decided from the
// bytes). 201 with the new file's metadata, or 200 with the one the legacy id became
// before (its body is not read). The answer carries the SHA-256 the importer checks.
//   GET /admin/imports/files/{legacy_id}/content: the stored bytes of the file it became,
//   for the importer's check that what is stored is what it had (sylmigrate verify).
//   GET /admin/imports/files: the legacy -> new id mapping.
// Admins only when the service has the gateway's keys.
#pragma once

#include "api/file_api.h"
#include "application/import_file.h"
#include "platform/db/database.h"
#include "platform/http/router.h"

namespace file_service::api {

void add_import_routes(platform::http::Router& router, application::ImportFileHandler& handler,
                       application::OpenContentHandler& content, UploadOptions options,
                       platform::db::Database* ledger, bool identity_enforced);

}  // namespace file_service::api
