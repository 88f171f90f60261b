#include "application/list_subjects.h"

#include "platform/core/strings.h"

namespace subject_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<SubjectListPage> ListSubjectsHandler::handle(const ListSubjectsQuery& query) {
  std::vector<platform::core::FieldError> errors;
  if (query.limit < 1 || query.limit > kMaxPageSize)
    errors.push_back({"limit", "must be an integer from 1 to 200"});
  SubjectFilter filter;
  filter.limit = query.limit;
  filter.department = query.department;
  filter.text = query.text;
  if (query.cursor) {
    filter.after = platform::core::uuid_from_cursor(*query.cursor);
    if (!filter.after) errors.push_back({"cursor", "is not a cursor this service issued"});
  }
  if (!errors.empty()) {
    Error error(ErrorCode::kMalformed, "the query parameters are invalid");
    error.with_field_errors(std::move(errors));
    return error;
  }

  auto page = repository_.list(filter);
  if (!page) return std::move(page).error();
  SubjectListPage result;
  result.items = std::move(page->items);
  if (page->has_more && !result.items.empty())
    result.next_cursor = platform::core::to_cursor(result.items.back().id);
  return result;
}

}  // namespace subject_service::application
