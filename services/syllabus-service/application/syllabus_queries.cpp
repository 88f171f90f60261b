#include "application/syllabus_queries.h"

#include <utility>

namespace syllabus_service::application {

using platform::core::Error;
using platform::core::Result;

Result<domain::Syllabus> SyllabusQueries::get(const GetSyllabusQuery& query) {
  switch (query.which) {
    case GetSyllabusQuery::Which::kWorking:
      return repository_.working(query.id);
    case GetSyllabusQuery::Which::kPublished:
      return repository_.published(query.id);
    case GetSyllabusQuery::Which::kNumbered:
      return repository_.revision(query.id, query.revision);
  }
  return repository_.working(query.id);
}

std::shared_ptr<const domain::Syllabus> SyllabusQueries::get_from_memory(
    const GetSyllabusQuery& query) {
  if (query.which != GetSyllabusQuery::Which::kWorking) return nullptr;
  return repository_.working_in_memory(query.id);
}

Result<std::vector<domain::Syllabus>> SyllabusQueries::revisions(const platform::core::Uuid& id) {
  return repository_.revisions(id);
}

Result<RevisionPair> SyllabusQueries::diff(const DiffQuery& query) {
  auto from = repository_.revision(query.id, query.from);
  if (!from) return std::move(from).error();
  auto to = repository_.revision(query.id, query.to);
  if (!to) return std::move(to).error();
  return RevisionPair{std::move(from).value(), std::move(to).value()};
}

Result<SyllabusPage> SyllabusQueries::list(SyllabusFilter filter) {
  if (filter.limit < 1 || filter.limit > kMaxPageSize) {
    // A bad paging parameter is a malformed request (400), as on every list of the platform.
    Error malformed = Error::malformed("limit must be 1 to " + std::to_string(kMaxPageSize));
    malformed.with_field_errors({{"limit", "must be 1 to " + std::to_string(kMaxPageSize)}});
    return malformed;
  }
  return repository_.list(filter);
}

}  // namespace syllabus_service::application
