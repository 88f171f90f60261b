// Syllabi to and from JSON. Type checks live here (JSON types, UUIDs, enumeration names,
// ECTS steps of 0.1, members an item needs); the domain checks the rules.
//
//   ParsedDraft parsed = parse_draft(body);                  // create and PATCH alike
//   auto errors = merge_errors(parsed.errors, domain::validate_draft(parsed.draft));
//   if (!errors.empty()) return Error::invalid_fields(errors);
//   boost::json::object json = to_json(syllabus);            // "version" is the ETag
//
// Paths of errors are the domain's: "learning_outcomes[2].code", "schedule[3].topics[1]".
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <vector>

#include "domain/syllabus.h"
#include "platform/core/error.h"

namespace syllabus_service::api {

// Every field of a revision; absent values are null, timestamps RFC 3339, stamps as
// `<step>_at` and `<step>_by` ("submitted_at", "submitted_by"). ects_credits is a JSON
// number: an integer when whole (6), else a fraction (7.5).
boost::json::object to_json(const domain::Syllabus& syllabus);

// [{"field": ..., "message": ...}], the shape of a problem's `errors`.
boost::json::array to_json(const std::vector<platform::core::FieldError>& errors);

// {"publishable": bool, "errors": [...], "warnings": [...]}: `errors` as a problem's
// errors list, `warnings` the same shape beside it.
boost::json::object to_json(const domain::PublishCheck& check);

// {"from": {"revision", "version"}, "to": {...}, "changes": [{"field", "from", "to"}]}:
// domain::diff's fields with both values rendered as to_json renders them.
boost::json::object diff_to_json(const domain::Syllabus& from, const domain::Syllabus& to);

struct ParsedDraft {
  domain::SyllabusDraft draft;
  std::vector<platform::core::FieldError> errors;  // wrong types, unknown or read-only fields
};

// The writable fields of a create or PATCH body, identity included (subject_id,
// academic_year, term: the domain says whether they are required or may change). Every
// problem is collected, with its path. A list item with a problem still takes its place
// (defaulted) so that later items keep their indices. `null` is accepted only for an
// item's optional members (prerequisites[].subject_id, instructors[].email); a field
// once written (ects_credits, teaching_mode, workload) is changed, not cleared.
ParsedDraft parse_draft(const boost::json::object& body);

// Type errors first, then the domain's rule errors for values without a type error (a
// rule error under a path with a type error, "schedule[1].title" under "schedule[1]", is
// left out): the client learns of every bad field in one answer.
std::vector<platform::core::FieldError> merge_errors(
    std::vector<platform::core::FieldError> type_errors,
    std::vector<platform::core::FieldError> rule_errors);

}  // namespace syllabus_service::api
