// Subjects to and from JSON. Type checks live here; the domain checks the rules.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "application/list_subjects.h"
#include "domain/subject.h"
#include "platform/core/error.h"

namespace subject_service::api {

boost::json::object to_json(const domain::Subject& subject);
std::string page_to_json(const application::SubjectListPage& page, std::size_t limit);

struct ParsedDraft {
  domain::SubjectDraft draft;
  std::vector<platform::core::FieldError> errors;  // wrong types, unknown or read-only fields
};

// `null` clears description and department (PATCH); elsewhere it is a type error.
ParsedDraft parse_draft(const boost::json::object& body);

// Type errors first, then the domain's rule errors for the fields that had the right
// type: the client learns of every bad field in one answer.
std::vector<platform::core::FieldError> merge_errors(
    std::vector<platform::core::FieldError> type_errors,
    std::vector<platform::core::FieldError> rule_errors);

}  // namespace subject_service::api
