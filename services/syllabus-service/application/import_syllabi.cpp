#include "application/import_syllabi.h"

#include <map>
#include <optional>

namespace syllabus_service::application {

using platform::core::Error;
using platform::core::FieldError;
using platform::core::ImportOutcome;
using platform::core::ImportResult;
using platform::core::Result;
using platform::core::Uuid;

namespace {

// Revision 1 as the legacy system kept it: its status, and the stamps that status implies
// (all the author's, at the last update).
domain::Syllabus in_legacy_state(domain::Syllabus syllabus, const LegacySyllabusRow& row) {
  const domain::Stamp last{row.updated_at, syllabus.created.by};
  syllabus.updated = last;
  syllabus.status = row.status;
  switch (row.status) {
    case domain::Status::kDraft:
      break;
    case domain::Status::kInReview:
      syllabus.submitted = last;
      break;
    case domain::Status::kPublished:
      syllabus.published = last;
      break;
    case domain::Status::kSuperseded:
      syllabus.published = last;
      syllabus.superseded = last;
      break;
    case domain::Status::kArchived:
      syllabus.archived = last;
      break;
  }
  return syllabus;
}

}  // namespace

Result<std::vector<ImportResult>> ImportSyllabiHandler::handle(
    const ImportSyllabiCommand& command) {
  std::vector<FieldError> errors;
  std::vector<ImportedSyllabus> syllabi;
  syllabi.reserve(command.rows.size());
  for (std::size_t i = 0; i < command.rows.size(); ++i) {
    const LegacySyllabusRow& row = command.rows[i];
    const std::string prefix = "lines[" + std::to_string(i + 1) + "].";
    if (row.updated_at < row.created_at)
      errors.push_back({prefix + "updated_at", "must not be before created_at"});
    auto syllabus = domain::new_syllabus(ids_(), row.draft, row.created_by, row.created_at);
    if (!syllabus) {
      for (const auto& error : syllabus.error().field_errors())
        errors.push_back({prefix + "syllabus." + error.field, error.message});
      continue;
    }
    syllabi.push_back({row.legacy_id, in_legacy_state(std::move(*syllabus), row)});
  }
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));

  // Each subject and file is asked about once per batch; a row naming one that does not
  // exist is a conflict, the others go on.
  std::map<Uuid, std::optional<std::string>> subjects;
  std::map<Uuid, std::optional<std::string>> files;
  for (const auto& [legacy_id, syllabus] : syllabi) {
    if (!subjects.contains(syllabus.subject_id)) {
      auto known = references_.subject(syllabus.subject_id, command.context);
      if (!known) return std::move(known).error();
      subjects[syllabus.subject_id] =
          known->state == Known<SubjectView>::State::kLive
              ? std::nullopt
              : std::optional<std::string>("subject " + syllabus.subject_id.to_string() +
                                           " does not exist");
    }
    for (const Uuid& file : syllabus.attachments) {
      if (files.contains(file)) continue;
      auto known = references_.file(file, command.context);
      if (!known) return std::move(known).error();
      files[file] =
          known->state == Known<FileView>::State::kLive
              ? std::nullopt
              : std::optional<std::string>("file " + file.to_string() + " does not exist");
    }
  }
  std::vector<ImportedSyllabus> importable;
  std::vector<std::optional<ImportResult>> refused(syllabi.size());
  for (std::size_t i = 0; i < syllabi.size(); ++i) {
    const domain::Syllabus& syllabus = syllabi[i].syllabus;
    std::optional<std::string> missing = subjects[syllabus.subject_id];
    for (const Uuid& file : syllabus.attachments)
      if (!missing) missing = files[file];
    if (missing) {
      refused[i] = ImportResult{syllabi[i].legacy_id, ImportOutcome::kConflict, "", *missing};
    } else {
      importable.push_back(syllabi[i]);
    }
  }
  std::vector<ImportResult> imported;
  if (!importable.empty()) {
    auto stored = imports_.import(importable, command.origin);
    if (!stored) return std::move(stored).error();
    imported = std::move(*stored);
  }
  // The results in the batch's order.
  std::vector<ImportResult> results;
  results.reserve(syllabi.size());
  std::size_t next = 0;
  for (auto& result : refused) results.push_back(result ? std::move(*result) : imported[next++]);
  return results;
}

}  // namespace syllabus_service::application
