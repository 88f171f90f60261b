// ImportSyllabiCommand and its handler: a batch of syllabi from the legacy system
// (sylmigrate; docs/migration.md). Each becomes revision 1 of a new syllabus in its legacy
// status, with its legacy author and times and the usual syllabus.created event, once: a
// legacy id imported before keeps the syllabus it became. A syllabus comes in as it was
// kept: the publish check is not applied (a legacy syllabus published without outcomes
// stays published), but every shape rule of a draft is, and its subject and attachments
// must exist (else that row is a conflict, written nowhere).
//
//   ImportSyllabiHandler import(imports, references, new_id);
//   auto results = import.handle({.rows = rows, .origin = origin, .context = context});
#pragma once

#include <string>
#include <vector>

#include "application/clock.h"
#include "application/references.h"
#include "application/syllabus_repository.h"
#include "domain/syllabus.h"
#include "platform/core/legacy_import.h"

namespace syllabus_service::application {

struct LegacySyllabusRow {
  std::string legacy_id;
  domain::SyllabusDraft draft;  // identity and content
  domain::Status status = domain::Status::kDraft;
  std::string created_by;  // the legacy author; every stamp of the revision is theirs
  platform::core::Timestamp created_at;
  platform::core::Timestamp updated_at;
};

struct ImportSyllabiCommand {
  std::vector<LegacySyllabusRow> rows;
  EventOrigin origin;
  CallContext context;
};

struct ImportedSyllabus {
  std::string legacy_id;
  domain::Syllabus syllabus;
};

// The port of bulk imports: implemented with the repository (infrastructure).
class SyllabusImports {
 public:
  virtual ~SyllabusImports() = default;
  // In one transaction, in order: a legacy id imported before -> kExisting with its id
  // (nothing written); an identity (subject, year, term) another syllabus holds ->
  // kConflict; else the syllabus, its ledger entry and its syllabus.created event.
  virtual platform::core::Result<std::vector<platform::core::ImportResult>> import(
      const std::vector<ImportedSyllabus>& syllabi, const EventOrigin& origin) = 0;
};

class ImportSyllabiHandler {
 public:
  ImportSyllabiHandler(SyllabusImports& imports, References& references, IdGenerator ids)
      : imports_(imports), references_(references), ids_(std::move(ids)) {}
  // kInvalidArgument with every rule a row breaks ("lines[3].syllabus.title"); nothing is
  // written then. kUnavailable when an owner of a reference cannot be asked.
  platform::core::Result<std::vector<platform::core::ImportResult>> handle(
      const ImportSyllabiCommand& command);

 private:
  SyllabusImports& imports_;
  References& references_;
  IdGenerator ids_;
};

}  // namespace syllabus_service::application
