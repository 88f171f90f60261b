#include "api/import_api.h"

#include <boost/json.hpp>

#include "api/syllabus_json.h"
#include "platform/core/strings.h"
#include "platform/service/legacy_imports.h"

namespace syllabus_service::api {

using platform::service::LineFields;

namespace {

constexpr std::size_t kMaxAuthorBytes = 200;

}  // namespace

platform::core::Result<std::vector<platform::core::ImportResult>> import_syllabi(
    platform::http::Request& request, application::ImportSyllabiHandler& handler) {
  auto rows = platform::service::parse_import_batch<application::LegacySyllabusRow>(
      request, [](LineFields& fields) {
        application::LegacySyllabusRow row{.legacy_id = fields.legacy_id(),
                                           .created_at = fields.time("created_at"),
                                           .updated_at = fields.time("updated_at")};
        const std::string status = fields.text("status");
        if (const auto parsed = domain::parse_status(status)) {
          row.status = *parsed;
        } else if (!status.empty()) {
          fields.fail("status", "must be one of draft, in_review, published, superseded, archived");
        }
        row.created_by = fields.text("created_by");
        if (row.created_by.empty() || row.created_by.size() > kMaxAuthorBytes)
          fields.fail("created_by", "must be 1 to 200 characters");
        const auto* syllabus = fields.object().if_contains("syllabus");
        if (syllabus == nullptr || !syllabus->is_object()) {
          fields.fail("syllabus", "must be an object: the syllabus as POST /syllabi takes it");
          return row;
        }
        ParsedDraft parsed = parse_draft(syllabus->get_object());
        // Every bad field of every line at once: the types, then the rules.
        std::vector<platform::core::FieldError> errors;
        for (auto& error :
             merge_errors(std::move(parsed.errors), domain::validate_draft(parsed.draft)))
          errors.push_back({"syllabus." + error.field, std::move(error.message)});
        for (const char* identity : {"subject_id", "academic_year", "term"}) {
          if (!syllabus->get_object().contains(identity))
            errors.push_back({std::string("syllabus.") + identity, "is required"});
        }
        fields.add(errors);
        row.draft = std::move(parsed.draft);
        return row;
      });
  if (!rows) return std::move(rows).error();
  return handler.handle({.rows = std::move(*rows),
                         .origin = {request.trace.traceparent(), request.trace.request_id},
                         .context = {request.trace, request.deadline}});
}

}  // namespace syllabus_service::api
