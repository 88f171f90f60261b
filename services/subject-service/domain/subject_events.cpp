#include "domain/subject_events.h"

namespace subject_service::domain {

std::vector<std::string> changed_fields(const Subject& before, const Subject& after) {
  std::vector<std::string> fields;
  if (before.code != after.code) fields.emplace_back("code");
  if (before.name != after.name) fields.emplace_back("name");
  if (before.description != after.description) fields.emplace_back("description");
  if (before.credits != after.credits) fields.emplace_back("credits");
  if (before.department != after.department) fields.emplace_back("department");
  return fields;
}

}  // namespace subject_service::domain
