#include "application/import_subjects.h"

namespace subject_service::application {

using platform::core::Error;
using platform::core::FieldError;
using platform::core::ImportResult;
using platform::core::Result;

Result<std::vector<ImportResult>> ImportSubjectsHandler::handle(
    const ImportSubjectsCommand& command) {
  std::vector<FieldError> errors;
  std::vector<ImportedSubject> subjects;
  subjects.reserve(command.rows.size());
  for (std::size_t i = 0; i < command.rows.size(); ++i) {
    const LegacySubjectRow& row = command.rows[i];
    const std::string prefix = "lines[" + std::to_string(i + 1) + "].";
    for (auto& error : domain::validate(row.draft, domain::Completeness::kAllRequired))
      errors.push_back({prefix + "subject." + error.field, std::move(error.message)});
    if (row.updated_at < row.created_at)
      errors.push_back({prefix + "updated_at", "must not be before created_at"});
    domain::Subject subject = domain::new_subject(ids_(), row.draft, row.created_at);
    subject.updated_at = row.updated_at;
    subjects.push_back({row.legacy_id, std::move(subject)});
  }
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  return imports_.import(subjects, command.origin);
}

}  // namespace subject_service::application
