// ImportSubjectsCommand and its handler: a batch of subjects from the legacy system
// (sylmigrate; docs/migration.md), each created with its legacy times and the usual
// subject.created event, once: a legacy id imported before keeps the subject it became.
//
//   ImportSubjectsHandler import(imports, new_id);
//   auto results = import.handle({.rows = rows, .origin = origin});   // per row, in order
#pragma once

#include <string>
#include <vector>

#include "application/clock.h"
#include "application/subject_repository.h"
#include "platform/core/legacy_import.h"

namespace subject_service::application {

struct LegacySubjectRow {
  std::string legacy_id;
  domain::SubjectDraft draft;
  platform::core::Timestamp created_at;
  platform::core::Timestamp updated_at;
};

struct ImportSubjectsCommand {
  std::vector<LegacySubjectRow> rows;
  EventOrigin origin;
};

// A subject to import, made from its legacy row.
struct ImportedSubject {
  std::string legacy_id;
  domain::Subject subject;
};

// The port of bulk imports: implemented with the repository (infrastructure).
class SubjectImports {
 public:
  virtual ~SubjectImports() = default;
  // In one transaction, in order: a legacy id imported before -> kExisting with its id
  // (nothing written); a code another subject holds -> kConflict; else the subject, its
  // ledger entry and its subject.created event -> kCreated.
  virtual platform::core::Result<std::vector<platform::core::ImportResult>> import(
      const std::vector<ImportedSubject>& subjects, const EventOrigin& origin) = 0;
};

class ImportSubjectsHandler {
 public:
  ImportSubjectsHandler(SubjectImports& imports, IdGenerator ids)
      : imports_(imports), ids_(std::move(ids)) {}
  // kInvalidArgument with every rule a row breaks ("lines[3].code"); nothing is written
  // then.
  platform::core::Result<std::vector<platform::core::ImportResult>> handle(
      const ImportSubjectsCommand& command);

 private:
  SubjectImports& imports_;
  IdGenerator ids_;
};

}  // namespace subject_service::application
