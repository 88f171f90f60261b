#include "domain/syllabus_events.h"

namespace syllabus_service::domain {

std::vector<std::string> changed_fields(const Syllabus& before, const Syllabus& after) {
  std::vector<std::string> fields = diff(before, after);
  if (before.status != after.status) fields.emplace_back("status");
  if (before.review_comment != after.review_comment) fields.emplace_back("review_comment");
  return fields;
}

}  // namespace syllabus_service::domain
