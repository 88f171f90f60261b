#include "api/import_api.h"

#include <boost/json.hpp>

#include "api/subject_json.h"
#include "platform/service/legacy_imports.h"

namespace subject_service::api {

using platform::service::LineFields;

platform::core::Result<std::vector<platform::core::ImportResult>> import_subjects(
    platform::http::Request& request, application::ImportSubjectsHandler& handler) {
  auto rows = platform::service::parse_import_batch<application::LegacySubjectRow>(
      request, [](LineFields& fields) {
        application::LegacySubjectRow row{.legacy_id = fields.legacy_id(),
                                          .created_at = fields.time("created_at"),
                                          .updated_at = fields.time("updated_at")};
        const auto* subject = fields.object().if_contains("subject");
        if (subject == nullptr || !subject->is_object()) {
          fields.fail("subject", "must be an object: the subject as POST /subjects takes it");
          return row;
        }
        ParsedDraft parsed = parse_draft(subject->get_object());
        // Every bad field of every line at once: the types, then the rules.
        std::vector<platform::core::FieldError> errors;
        for (auto& error :
             merge_errors(std::move(parsed.errors),
                          domain::validate(parsed.draft, domain::Completeness::kAllRequired)))
          errors.push_back({"subject." + error.field, std::move(error.message)});
        fields.add(errors);
        row.draft = std::move(parsed.draft);
        return row;
      });
  if (!rows) return std::move(rows).error();
  return handler.handle(
      {std::move(*rows), {request.trace.traceparent(), request.trace.request_id}});
}

}  // namespace subject_service::api
